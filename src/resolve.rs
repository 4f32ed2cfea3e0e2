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
        let addrs = self.inner.resolve(uri, config, timeout)?;
        if let Ok(mut last) = self.last.lock() {
            *last = Some((key, Instant::now(), addrs.clone()));
        }
        Ok(addrs)
    }
}
