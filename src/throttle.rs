//! `max_requests_per_second`: a token bucket per account, shared by every
//! Lua state of the process that configures the same account (name and
//! address), so that many agents in one process stay polite to one PBX.
//! Every request (retries and redirects included) takes a token; with none
//! left it waits, interruptibly, or fails with `rate_limited` when the
//! wait would end past the call's deadline.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::cancel;
use crate::error::{Error, Kind};
use crate::fork::PerProcess;

/// One account's bucket: `rate` tokens a second, at most `burst` saved.
#[derive(Debug)]
pub(crate) struct Bucket {
    rate: f64,
    burst: f64,
    state: Mutex<(f64, Instant)>,
}

/// This process's buckets (`fork.rs`: a child's are its own).
type Buckets = HashMap<String, Arc<Bucket>>;
static BUCKETS: PerProcess<Mutex<Buckets>> = PerProcess::new();

impl Bucket {
    /// The process's bucket for `key` (the account's name and address),
    /// made with `rate` on first use; a later `rate` for the same key
    /// replaces the bucket.
    pub(crate) fn shared(key: &str, rate: f64) -> Arc<Bucket> {
        let mut buckets = BUCKETS
            .get(|| Mutex::new(HashMap::new()))
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        match buckets.get(key) {
            Some(bucket) if bucket.rate == rate => Arc::clone(bucket),
            _ => {
                let bucket = Arc::new(Bucket::new(rate));
                buckets.insert(key.to_string(), Arc::clone(&bucket));
                bucket
            }
        }
    }

    fn new(rate: f64) -> Bucket {
        let burst = rate.max(1.0);
        Bucket {
            rate,
            burst,
            state: Mutex::new((burst, Instant::now())),
        }
    }

    /// Takes a token, waiting for one if needed, before `deadline`.
    pub(crate) fn take(&self, deadline: Instant) -> Result<(), Error> {
        let wait = {
            let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
            let (tokens, at) = &mut *state;
            let now = Instant::now();
            *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * self.rate).min(self.burst);
            *at = now;
            // The token is taken now, even if it arrives later: whoever
            // comes next waits behind it.
            *tokens -= 1.0;
            if *tokens >= 0.0 {
                Duration::ZERO
            } else {
                // Checked: a wait no Duration holds is a wait past any deadline.
                Duration::try_from_secs_f64(-*tokens / self.rate).unwrap_or(Duration::MAX)
            }
        };
        if wait.is_zero() {
            return Ok(());
        }
        if Instant::now()
            .checked_add(wait)
            .is_none_or(|until| until > deadline)
        {
            self.give_back();
            return Err(Error::new(
                Kind::RateLimited,
                format!(
                    "max_requests_per_second ({}) leaves no request before the call's timeout",
                    self.rate
                ),
            )
            .with_retryable(true));
        }
        cancel::sleep(wait).inspect_err(|_| self.give_back())
    }

    /// Takes a token if one is there now; never waits, never borrows.
    pub(crate) fn try_take(&self) -> bool {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let (tokens, at) = &mut *state;
        let now = Instant::now();
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * self.rate).min(self.burst);
        *at = now;
        let free = *tokens >= 1.0;
        if free {
            *tokens -= 1.0;
        }
        free
    }

    fn give_back(&self) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.0 = (state.0 + 1.0).min(self.burst);
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn requests_are_spaced_at_the_rate_after_the_burst() {
        let bucket = Bucket::new(20.0);
        let deadline = Instant::now() + Duration::from_secs(10);
        let started = Instant::now();
        for _ in 0..30 {
            bucket.take(deadline).unwrap();
        }
        // 20 at once (the burst), then 10 at 20 a second.
        let took = started.elapsed();
        assert!(took >= Duration::from_millis(450), "{took:?}");
        assert!(took < Duration::from_secs(3), "{took:?}");
    }

    #[test]
    fn a_wait_past_the_deadline_is_rate_limited_at_once() {
        let bucket = Bucket::new(0.5);
        let deadline = Instant::now() + Duration::from_millis(200);
        bucket.take(deadline).unwrap();
        let started = Instant::now();
        let err = bucket.take(deadline).unwrap_err();
        assert_eq!(err.kind(), Kind::RateLimited);
        assert!(started.elapsed() < Duration::from_millis(100));
    }

    #[test]
    fn a_rate_whose_wait_no_duration_holds_is_rate_limited_not_a_panic() {
        // Below the configured floor; the bucket must not panic anyway.
        let bucket = Bucket::new(1e-19);
        let deadline = Instant::now() + Duration::from_secs(1);
        bucket.take(deadline).unwrap();
        assert_eq!(bucket.take(deadline).unwrap_err().kind(), Kind::RateLimited);
    }

    #[test]
    fn a_token_is_tried_for_without_waiting_or_borrowing() {
        let bucket = Bucket::new(1.0);
        assert!(bucket.try_take());
        assert!(!bucket.try_take(), "the burst of one is spent");
        // Nothing was borrowed: a waiting take is not pushed further back.
        let started = Instant::now();
        bucket
            .take(Instant::now() + Duration::from_secs(5))
            .unwrap();
        assert!(started.elapsed() < Duration::from_millis(1500));
    }

    #[test]
    fn accounts_share_a_bucket_by_key() {
        let a = Bucket::shared("office\nhttps://a.example.com", 5.0);
        let b = Bucket::shared("office\nhttps://a.example.com", 5.0);
        assert!(Arc::ptr_eq(&a, &b));
        let c = Bucket::shared("home\nhttps://a.example.com", 5.0);
        assert!(!Arc::ptr_eq(&a, &c));
    }
}
