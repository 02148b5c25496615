//! The payment providers' stand-ins (`tests/standins/`): Python programs the tests start,
//! which answer as the providers' published protocols describe (see each program's
//! header). Their Python packages go into one virtual environment under `target/`, made
//! once per machine.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;

fn standins_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/standins")
}

/// The Python of the stand-ins' environment, made (and its packages installed) the first
/// time it is asked for.
fn python() -> &'static PathBuf {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| {
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
        let venv = target.join("standins-venv");
        let python = venv.join("bin/python");
        let stamp = venv.join("installed.txt");
        let wanted = std::fs::read_to_string(standins_dir().join("requirements.txt"))
            .unwrap_or_else(|e| panic!("requirements.txt: {e}"));
        if std::fs::read_to_string(&stamp).ok().as_deref() != Some(wanted.as_str()) {
            let run = |cmd: &mut Command| {
                let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
                assert!(
                    out.status.success(),
                    "{cmd:?}: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            };
            run(Command::new("python3").args(["-m", "venv"]).arg(&venv));
            run(Command::new(&python)
                .args([
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                    "-r",
                ])
                .arg(standins_dir().join("requirements.txt")));
            std::fs::write(&stamp, wanted).unwrap_or_else(|e| panic!("{e}"));
        }
        python
    })
}

/// A provider's stand-in, stopped when dropped.
pub struct StandIn {
    pub base: String,
    child: Child,
    client: reqwest::Client,
}

/// The Stripe stand-in.
pub type StripeStandIn = StandIn;

/// The keys the test shops and the stand-ins share.
pub const STRIPE_KEY: &str = "sk_test_ecrin_standin_0000";
pub const STRIPE_WEBHOOK_SECRET: &str = "whsec_ecrin_standin_0000";
pub const LYRA_SHOP_ID: &str = "69876357";
pub const LYRA_PASSWORD: &str = "testpassword_ecrinstandin0000";
pub const LYRA_HMAC_KEY: &str = "ecrin-standin-hmac-key-0000";

impl StandIn {
    /// Starts the Stripe stand-in, sending its events to `webhook_url`.
    pub fn start(webhook_url: &str) -> StandIn {
        StandIn::spawn(
            "stripe_standin.py",
            &[
                "--api-key",
                STRIPE_KEY,
                "--webhook-secret",
                STRIPE_WEBHOOK_SECRET,
                "--webhook-url",
                webhook_url,
            ],
        )
    }

    /// Starts the Lyra stand-in, posting its notifications to `ipn_url` and sending the
    /// customer back to `return_url`.
    pub fn start_lyra(ipn_url: &str, return_url: &str) -> StandIn {
        StandIn::spawn(
            "lyra_standin.py",
            &[
                "--shop-id",
                LYRA_SHOP_ID,
                "--password",
                LYRA_PASSWORD,
                "--hmac-key",
                LYRA_HMAC_KEY,
                "--ipn-url",
                ipn_url,
                "--return-url",
                return_url,
            ],
        )
    }

    fn spawn(program: &str, args: &[&str]) -> StandIn {
        let mut child = Command::new(python())
            .arg(standins_dir().join(program))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("{program}: {e}"));
        let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .unwrap_or_else(|e| panic!("{program}: {e}"));
        let port = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("{program} said: {line}"))
            .to_owned();
        StandIn {
            base: format!("http://127.0.0.1:{port}"),
            child,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap_or_else(|e| panic!("{e}")),
        }
    }

    /// A control call (`/_standin/…`) with a JSON body; its JSON answer.
    pub async fn control(&self, path: &str, body: Value) -> Value {
        let res = self
            .client
            .post(format!("{}/_standin/{path}", self.base))
            .json(&body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{path}: {e}"));
        res.json().await.unwrap_or_default()
    }

    /// What the stand-in kept (`requests`, `violations`, `deliveries`, `state`).
    pub async fn read(&self, what: &str) -> Value {
        self.client
            .get(format!("{}/_standin/{what}", self.base))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{what}: {e}"))
            .json()
            .await
            .unwrap_or_default()
    }

    /// Pays session `id` on the hosted page with `card`, as the customer's browser posts
    /// the form: the status and where it sends the customer.
    pub async fn pay(&self, id: &str, card: &str) -> (u16, String) {
        let res = self
            .client
            .post(format!("{}/_standin/pay/{id}", self.base))
            .form(&[("card", card)])
            .send()
            .await
            .unwrap_or_else(|e| panic!("pay: {e}"));
        let to = res
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        (res.status().as_u16(), to)
    }

    /// The requests off the provider's published document: none, or the test fails.
    pub async fn assert_no_violation(&self) {
        let v = self.read("violations").await;
        assert_eq!(
            v,
            json!([]),
            "requests off the provider's published document"
        );
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
