//! Name resolution, once per host and minute instead of once per request.
//! Each host is kept apart: two PBXs used in turn each keep their lookup.
//!
//! ureq resolves the host on every request, even one that reuses a pooled
//! connection, and with a timeout set it does so on a new thread each time:
//! a thread spawn per call, a third of a small request's cost. This resolver
//! keeps the answer for a while; the first lookup still honours the timeout.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

/// How long a lookup is reused.
const TTL: Duration = Duration::from_secs(60);
/// Most hosts kept at once: a process reads a few PBXs, and a long-lived
/// one that meets many must not keep them all.
const MOST_HOSTS: usize = 64;

#[derive(Debug, Default)]
pub(crate) struct CachingResolver {
    inner: DefaultResolver,
    /// Each `scheme://authority` looked up lately: when, and its addresses.
    known: Mutex<HashMap<String, (Instant, ResolvedSocketAddrs)>>,
}

impl Resolver for CachingResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let key = format!(
            "{}://{}",
            uri.scheme_str().unwrap_or_default(),
            uri.authority().map(|a| a.as_str()).unwrap_or_default()
        );
        if let Ok(known) = self.known.lock() {
            if let Some((at, addrs)) = known.get(&key) {
                if at.elapsed() < TTL {
                    return Ok(addrs.clone());
                }
            }
        }
        let addrs = self
            .inner
            .resolve(uri, config, timeout)
            .map_err(lookup_failure)?;
        if let Ok(mut known) = self.known.lock() {
            known.retain(|_, (at, _)| at.elapsed() < TTL);
            if known.len() >= MOST_HOSTS {
                let oldest = known
                    .iter()
                    .min_by_key(|(_, (at, _))| *at)
                    .map(|(k, _)| k.clone());
                if let Some(oldest) = oldest {
                    known.remove(&oldest);
                }
            }
            known.insert(key, (Instant::now(), addrs.clone()));
        }
        Ok(addrs)
    }
}

/// A lookup that failed other than by timing out is a host that is not
/// found (ureq reports some as I/O errors, which would be retried): asking
/// again will not find it.
fn lookup_failure(error: ureq::Error) -> ureq::Error {
    match error {
        ureq::Error::Timeout(which) => ureq::Error::Timeout(which),
        _ => ureq::Error::HostNotFound,
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn each_host_keeps_its_lookup_and_the_most_kept_is_bounded() {
        let resolver = CachingResolver::default();
        let config = Config::default();
        let lookup = |port: u32| {
            let uri: Uri = format!("http://127.0.0.1:{port}/").parse().unwrap();
            resolver
                .resolve(&uri, &config, NextTimeout::default())
                .unwrap();
        };
        // Two PBXs used in turn: both stay known.
        lookup(1001);
        lookup(1002);
        lookup(1001);
        let known = |port: u32| {
            resolver
                .known
                .lock()
                .unwrap()
                .contains_key(&format!("http://127.0.0.1:{port}"))
        };
        assert!(known(1001) && known(1002));
        for port in 2000..2100 {
            lookup(port);
        }
        assert_eq!(resolver.known.lock().unwrap().len(), MOST_HOSTS);
        assert!(known(2099), "the newest is kept");
        assert!(!known(1001), "the oldest went first");
    }

    #[test]
    fn failed_lookups_are_host_not_found_and_timeouts_stay() {
        let io = std::io::Error::other("failed to lookup address information");
        assert!(matches!(
            lookup_failure(ureq::Error::Io(io)),
            ureq::Error::HostNotFound
        ));
        assert!(matches!(
            lookup_failure(ureq::Error::Timeout(ureq::Timeout::Resolve)),
            ureq::Error::Timeout(ureq::Timeout::Resolve)
        ));
    }
}
