//! Name resolution, once per host and minute instead of once per request.
//!
//! ureq resolves the host on every request, even one that reuses a pooled
//! connection, and with a timeout set it does so on a new thread each time:
//! a thread spawn per call, a third of a small request's cost. This resolver
//! keeps the answer for a while; the first lookup still honours the timeout.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

/// How long a lookup is reused.
const TTL: Duration = Duration::from_secs(60);

#[derive(Debug, Default)]
pub struct CachingResolver {
    inner: DefaultResolver,
    /// (authority, when, addresses) of the last lookup.
    last: Mutex<Option<(String, Instant, ResolvedSocketAddrs)>>,
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
        if let Ok(last) = self.last.lock() {
            if let Some((k, at, addrs)) = last.as_ref() {
                if *k == key && at.elapsed() < TTL {
                    return Ok(addrs.clone());
                }
            }
        }
        let addrs = self
            .inner
            .resolve(uri, config, timeout)
            .map_err(lookup_failure)?;
        if let Ok(mut last) = self.last.lock() {
            *last = Some((key, Instant::now(), addrs.clone()));
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
