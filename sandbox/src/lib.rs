//! wildix-sandbox: a fake Wildix PBX on 127.0.0.1 for wildix's tests, demo
//! and benchmarks. The binary (`main.rs`) and Rust tests both start it here.

pub mod acting;
pub mod data;
pub mod faults;
pub mod proxy;
pub mod routes;
pub mod s2s;
pub mod server;
pub mod tls;

use std::net::TcpListener;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// How to start a sandbox.
pub struct Options {
    /// 0 picks a free port.
    pub port: u16,
    /// The user Bearer token it accepts.
    pub token: String,
    /// The company API key it accepts (no user: refused on user routes).
    pub company_key: String,
    /// The Basic auth login it accepts (the token owner's).
    pub username: String,
    pub password: String,
    /// The S2S app it accepts (`X-APP-ID` and a signed JWT): the whole PBX,
    /// no user.
    pub app_id: String,
    pub app_name: String,
    pub app_secret: String,
    /// Most call-history records a request gets; 0: no cap (benchmarks).
    pub call_cap: usize,
    /// Call history grows while it is read.
    pub live: bool,
    /// Each request orders records with equal sort keys its own way, as
    /// SQL does under LIMIT and OFFSET (docs/pbx.md, "Paging"); off: the order they were written in.
    pub shuffle_ties: bool,
    /// Serve call control (`/api/v2/call-control/list-calls`); without it
    /// the route is a 404, as on the PBX the sources record.
    pub call_control: bool,
    /// `/api/v1/Devices` ignores `start` and `count` (docs/pbx.md).
    pub devices_unpaged: bool,
    /// The most records a request for a list other than calls gets.
    pub list_cap: usize,
    /// Calls end today (UTC) instead of on 2026-03-31: `today`, `7d` and
    /// `stats` show data (deterministic for a given day).
    pub end_today: bool,
    /// Seed of the generated data.
    pub seed: u64,
    /// Serve HTTPS with a CA made at start-up.
    pub tls: bool,
    /// Call records to generate.
    pub calls: usize,
    /// Calls that share one second besides (`data::add_burst`); 0: none.
    pub burst: usize,
    /// Serve each distinct answer from memory after its first rendering
    /// (benchmarks measure the client, not the sandbox).
    pub cache: bool,
    /// A remote PBX: every API answer waits this long first (the network
    /// and the PBX's own time per request)...
    pub latency: std::time::Duration,
    /// ...plus this long per record the page asked for holds (`count`,
    /// after the call-history cap): the PBX's time per row.
    pub record_time: std::time::Duration,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            port: 0,
            token: "sandbox-token".to_string(),
            company_key: "wsk-v1-sandbox-company-key-0123456789".to_string(),
            username: "admin".to_string(),
            password: "sandbox-password".to_string(),
            app_id: "sandbox-app".to_string(),
            app_name: "wildix-sandbox".to_string(),
            app_secret: "sandbox-app-secret".to_string(),
            call_cap: 100,
            live: false,
            shuffle_ties: true,
            call_control: false,
            devices_unpaged: false,
            list_cap: 0,
            end_today: false,
            seed: 1,
            tls: false,
            calls: data::CALLS,
            burst: 0,
            cache: false,
            latency: std::time::Duration::ZERO,
            record_time: std::time::Duration::ZERO,
        }
    }
}

/// A running sandbox. It serves until the process ends.
pub struct Sandbox {
    /// `http://127.0.0.1:PORT` (or `https://`).
    pub url: String,
    pub port: u16,
    /// The CA certificate (PEM) when serving HTTPS.
    pub ca_pem: Option<String>,
    state: Arc<server::State>,
}

/// Counters since start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    pub connections: u64,
    pub requests: u64,
    pub foreign_auth: u64,
    /// The most API requests it was answering at once.
    pub in_flight_max: u64,
}

impl Sandbox {
    /// Binds 127.0.0.1, builds the data and serves on a background thread.
    pub fn start(options: Options) -> Result<Sandbox, String> {
        let listener = TcpListener::bind(("127.0.0.1", options.port))
            .map_err(|e| format!("cannot listen on 127.0.0.1:{}: {e}", options.port))?;
        let port = listener.local_addr().map_err(|e| e.to_string())?.port();
        let tls = if options.tls {
            Some(tls::generate("wildix sandbox CA")?)
        } else {
            None
        };
        let scheme = if tls.is_some() { "https" } else { "http" };
        let state = Arc::new(server::State {
            data: {
                let window = match options.end_today {
                    true => data::window_ending(
                        std::time::SystemTime::now()
                            .duration_since(std::time::UNIX_EPOCH)
                            .map_or(0, |d| d.as_secs() as i64),
                    ),
                    false => data::WINDOW_START,
                };
                let mut data = data::generate_in(options.seed, options.calls, window);
                data.call_control = options.call_control;
                data.devices_unpaged = options.devices_unpaged;
                data.list_cap = options.list_cap;
                if options.burst > 0 {
                    data::add_burst(&mut data, options.burst);
                }
                data
            },
            cache: options.cache.then(Default::default),
            access: routes::Access::new(
                options.token,
                options.company_key,
                &options.username,
                &options.password,
                s2s::App {
                    id: options.app_id,
                    name: options.app_name,
                    secret: options.app_secret,
                },
                options.call_cap,
            ),
            live: options.live.then(Default::default),
            acting: Default::default(),
            shuffle_ties: options.shuffle_ties,
            port,
            tls: tls.as_ref().map(|t| Arc::clone(&t.config)),
            faults: faults::Faults::default(),
            connections: AtomicU64::new(0),
            requests: AtomicU64::new(0),
            foreign_auth: AtomicU64::new(0),
            in_flight: AtomicU64::new(0),
            in_flight_max: AtomicU64::new(0),
            latency: options.latency,
            record_time: options.record_time,
        });
        let serving = Arc::clone(&state);
        std::thread::spawn(move || server::serve(listener, serving));
        Ok(Sandbox {
            url: format!("{scheme}://127.0.0.1:{port}"),
            port,
            ca_pem: tls.map(|t| t.ca_pem),
            state,
        })
    }

    /// Every write received so far: method, path, query, content type,
    /// body.
    pub fn writes(&self) -> Vec<serde_json::Value> {
        let acting = self.state.acting.read().unwrap_or_else(|p| p.into_inner());
        acting.log.clone()
    }

    pub fn stats(&self) -> Stats {
        Stats {
            connections: self.state.connections.load(Ordering::Relaxed),
            requests: self.state.requests.load(Ordering::Relaxed),
            foreign_auth: self.state.foreign_auth.load(Ordering::Relaxed),
            in_flight_max: self.state.in_flight_max.load(Ordering::Relaxed),
        }
    }
}
