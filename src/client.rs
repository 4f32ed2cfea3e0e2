//! One account: its config and HTTP agent, and the path of every call —
//! parameters checked, request sent, answer decoded and normalised.

use serde_json::Value;

use crate::api::{self, Operation};
use crate::config::Config;
use crate::error::{Error, Kind};
use crate::http::Http;
use crate::params::{self, Arg, Params};

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

    /// Runs `op` with the caller's parameter table (`None`: no argument)
    /// and decodes the answer. Every error names the function.
    pub fn call(&self, op: Operation, table: Option<&[(Arg, Arg)]>) -> Result<Value, Error> {
        let fetched = self.fetch(op, table)?;
        api::response(op, &fetched.params, &fetched.body)
            .map_err(|e| fetched.blame(e).in_function(op.name()))
    }

    /// Checks the parameters and GETs the answer, leaving decoding to the
    /// caller (the Lua binding decodes straight into Lua tables).
    pub fn fetch(&self, op: Operation, table: Option<&[(Arg, Arg)]>) -> Result<Fetched, Error> {
        self.run(op, table).map_err(|e| e.in_function(op.name()))
    }

    fn run(&self, op: Operation, table: Option<&[(Arg, Arg)]>) -> Result<Fetched, Error> {
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
        Ok(Fetched {
            params,
            body: reply.body,
            attempts: reply.attempts,
            path: request.path,
        })
    }
}

/// A 2xx answer, not yet decoded.
#[derive(Debug)]
pub struct Fetched {
    pub params: Params,
    pub body: Vec<u8>,
    pub attempts: u32,
    /// The request path, for errors found while decoding.
    pub path: String,
}

impl Fetched {
    /// Ties a decode error to the request it came from.
    pub fn blame(&self, error: Error) -> Error {
        error
            .with_request("GET", &self.path)
            .with_attempts(self.attempts)
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
