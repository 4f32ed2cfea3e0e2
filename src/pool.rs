//! The process's connection pools: one ureq agent per TLS set-up (the
//! public roots, or the public roots plus one `ca_file`), shared by every
//! account that uses it. Accounts of one PBX share its keep-alive
//! connections, and idle connections are bounded for the process rather
//! than per account: at most `MAX_IDLE` per agent (`MAX_IDLE_PER_HOST` to
//! one PBX), each closed after `IDLE_TIMEOUT`. What differs per account
//! (timeouts, user agent, credentials) goes on each request.

use std::io;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ureq::config::AutoHeaderValue;
use ureq::tls::{Certificate, RootCerts, TlsConfig};
use ureq::unversioned::transport::time::Duration as Budget;
use ureq::unversioned::transport::{
    Buffers, ConnectProxyConnector, ConnectionDetails, Connector, NextTimeout, RustlsConnector,
    TcpConnector, Transport,
};
use ureq::Agent;

use crate::cancel;
use crate::fork::PerProcess;
use crate::resolve::CachingResolver;

/// Idle keep-alive connections kept per agent, all PBXs together.
pub(crate) const MAX_IDLE: usize = 16;
/// Idle keep-alive connections kept to one PBX.
pub(crate) const MAX_IDLE_PER_HOST: usize = 4;
/// An idle connection is closed after this long.
pub(crate) const IDLE_TIMEOUT: Duration = Duration::from_secs(15);

/// The agents made so far in this process (`fork.rs`), by the DER bytes of
/// their private CAs.
type Agents = Vec<(Option<Vec<Vec<u8>>>, Agent)>;
static AGENTS: PerProcess<Mutex<Agents>> = PerProcess::new();

/// The shared agent for accounts that trust `ca` besides the public roots.
pub(crate) fn agent(ca: Option<&[Certificate<'static>]>) -> Agent {
    let key: Option<Vec<Vec<u8>>> =
        ca.map(|certs| certs.iter().map(|c| c.der().to_vec()).collect());
    // A panic elsewhere while holding the lock leaves a list that is still
    // whole: take it.
    let mut agents = AGENTS
        .get(|| Mutex::new(Vec::new()))
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some((_, agent)) = agents.iter().find(|(k, _)| *k == key) {
        return agent.clone();
    }
    let agent = build(ca);
    agents.push((key, agent.clone()));
    agent
}

fn build(ca: Option<&[Certificate<'static>]>) -> Agent {
    let mut tls = TlsConfig::builder();
    if let Some(private) = ca {
        // `ca_file` adds to the public roots rather than replacing them.
        let public = webpki_root_certs::TLS_SERVER_ROOT_CERTS
            .iter()
            .map(|der| Certificate::from_der(der.as_ref()).to_owned());
        let all: Vec<Certificate<'static>> = public.chain(private.iter().cloned()).collect();
        tls = tls.root_certs(RootCerts::new_with_certs(&all));
    }
    let config = Agent::config_builder()
        // We read error bodies for their reason, and follow redirects
        // ourselves so the credentials never leave their origin.
        .http_status_as_error(false)
        .max_redirects(0)
        .max_redirects_will_error(false)
        .max_idle_connections(MAX_IDLE)
        .max_idle_connections_per_host(MAX_IDLE_PER_HOST)
        .max_idle_age(IDLE_TIMEOUT)
        .user_agent(AutoHeaderValue::None)
        .tls_config(tls.build())
        .build();
    // ureq's default chain, with `Sliced` between TCP and TLS.
    let connector =
        ().chain(ConnectProxyConnector::default())
            .chain(TcpConnector::default())
            .chain(Sliced)
            .chain(RustlsConnector::default());
    Agent::with_parts(config, connector, CachingResolver::default())
}

/// Puts `Slices` around each TCP connection.
#[derive(Debug)]
struct Sliced;

impl<In: Transport> Connector<In> for Sliced {
    type Out = Slices<In>;

    fn connect(
        &self,
        _: &ConnectionDetails,
        chained: Option<In>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        Ok(chained.map(|inner| Slices {
            inner,
            probed: None,
        }))
    }
}

/// How long a liveness probe's answer stands when nothing was read or
/// written since: ureq probes a connection when it returns to the pool
/// and again when it is taken out, often microseconds apart.
const PROBE_STANDS: Duration = Duration::from_millis(100);

/// A TCP connection that waits for input in slices of `cancel::SLICE`,
/// looking for an interrupt between them. Below TLS, so a slice that ends
/// with nothing read loses nothing. It also spares system calls: a write
/// timeout that moves by less than a slice is not set again, and a probe
/// answered less than `PROBE_STANDS` ago with no I/O since is not repeated.
#[derive(Debug)]
struct Slices<T> {
    inner: T,
    probed: Option<Instant>,
}

impl<T: Transport> Transport for Slices<T> {
    fn buffers(&mut self) -> &mut dyn Buffers {
        self.inner.buffers()
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        self.probed = None;
        // Rounded down to whole slices, the write timeout is the same for
        // every call that starts with the same budget: ureq sets it on the
        // socket only when it changes.
        let after = match timeout.after {
            Budget::Exact(left) if left > cancel::SLICE => {
                let slices = u32::try_from(left.as_millis() / cancel::SLICE.as_millis());
                let rounded = slices.ok().and_then(|n| cancel::SLICE.checked_mul(n));
                Budget::Exact(rounded.unwrap_or(left))
            }
            other => other,
        };
        self.inner
            .transmit_output(amount, NextTimeout { after, ..timeout })
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        let started = Instant::now();
        loop {
            let left = match timeout.after {
                Budget::Exact(total) => Some(total.saturating_sub(started.elapsed())),
                Budget::NotHappening => None,
            };
            let slice = left.map_or(cancel::SLICE, |left| left.min(cancel::SLICE));
            let step = NextTimeout {
                after: Budget::Exact(slice),
                ..timeout
            };
            self.probed = None;
            match self.inner.await_input(step) {
                Err(ureq::Error::Timeout(_)) if left.is_none_or(|left| left > slice) => {
                    if cancel::interrupted() {
                        return Err(ureq::Error::Io(io::Error::new(
                            io::ErrorKind::Interrupted,
                            "interrupted",
                        )));
                    }
                }
                other => return other,
            }
        }
    }

    fn is_open(&mut self) -> bool {
        if self.probed.is_some_and(|at| at.elapsed() < PROBE_STANDS) {
            return true;
        }
        let open = self.inner.is_open();
        self.probed = open.then(Instant::now);
        open
    }

    fn is_tls(&self) -> bool {
        self.inner.is_tls()
    }
}
