//! One account: its config and HTTP agent, and the path of every call —
//! parameters checked, request sent, answer decoded and normalised.

use serde_json::Value;

use crate::api::{self, Operation};
use crate::config::Config;
use crate::error::{Error, Kind};
use crate::http::Http;
use crate::params::{self, Arg};

/// A configured account. `Sync`: Lua states on several threads may share it.
#[derive(Debug)]
pub struct Client {
    http: Http,
}

impl Client {
    pub fn new(config: Config) -> Client {
        Client {
            http: Http::new(config),
        }
    }

    pub fn config(&self) -> &Config {
        self.http.config()
    }

    /// Runs `op` with the caller's parameter table (`None`: no argument).
    /// Every error names the function.
    pub fn call(&self, op: Operation, table: Option<&[(Arg, Arg)]>) -> Result<Value, Error> {
        self.run(op, table).map_err(|e| e.in_function(op.name()))
    }

    fn run(&self, op: Operation, table: Option<&[(Arg, Arg)]>) -> Result<Value, Error> {
        let params = params::validate(op.spec(), table)?;
        let request = api::request(op, &params, self.config().scope());
        let reply = self.http.get(&request.target()).map_err(|e| {
            if e.kind() == Kind::NotFound {
                let message = api::not_found_message(op, &params);
                let mut specific = Error::status(404, message);
                if let (Some(method), Some(path)) = (e.method(), e.path()) {
                    specific = specific.with_request(method, path);
                }
                if let Some(attempts) = e.attempts() {
                    specific = specific.with_attempts(attempts);
                }
                specific
            } else {
                e
            }
        })?;
        api::response(op, &params, &reply.body)
            .map_err(|e| e.with_request("GET", &request.path).with_attempts(1))
    }
}

#[cfg(test)]
mod test {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn client_is_shareable_across_threads() {
        assert_send_sync::<Client>();
    }
}
