//! Jupyter's wire protocol (messaging version 5.3): a message is a list of
//! ZeroMQ frames, `identities…, "<IDS|MSG>", signature, header,
//! parent_header, metadata, content, buffers…`, the signature an
//! HMAC-SHA256 of the four JSON frames under the connection file's key.
//!
//! ```
//! use course_kernel_core::wire::{Message, Session, Signer};
//! use serde_json::json;
//!
//! let signer = Signer::new("secret")?;
//! let session = Session::new("kernel");
//! let request = session.message(None, "kernel_info_request", json!({}));
//! let frames = request.to_frames(&signer);
//! let back = Message::from_frames(frames, &signer)?;
//! assert_eq!(back.msg_type(), "kernel_info_request");
//! let reply = session.reply(&back, json!({"status": "ok"}));
//! assert_eq!(reply.msg_type(), "kernel_info_reply");
//! assert_eq!(reply.parent_header["msg_id"], back.header["msg_id"]);
//! # Ok::<(), course_kernel_core::wire::WireError>(())
//! ```

use std::time::{SystemTime, UNIX_EPOCH};

use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

/// The frame between the routing identities and the signature.
pub const DELIMITER: &[u8] = b"<IDS|MSG>";

/// The messaging protocol version this kernel speaks.
pub const PROTOCOL_VERSION: &str = "5.3";

/// A message that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireError(pub String);

impl std::fmt::Display for WireError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "bad Jupyter message: {}", self.0)
    }
}

impl std::error::Error for WireError {}

/// Signs and checks messages with the connection's key.
///
/// Jupyter allows an empty key, which turns signing off; this kernel
/// refuses one: every local user could then send it code to run.
#[derive(Clone)]
pub struct Signer {
    mac: Option<Hmac<Sha256>>,
}

impl Signer {
    /// A signer for `key`, the connection file's `key`.
    ///
    /// # Errors
    ///
    /// When `key` is empty.
    pub fn new(key: &str) -> Result<Signer, WireError> {
        if key.is_empty() {
            return Err(WireError(
                "the connection file's key is empty, which turns off the signatures that keep \
                 other users of this machine from sending the kernel code to run; the kernel \
                 refuses to start. Start it from Jupyter, which writes a random key."
                    .into(),
            ));
        }
        let mac = Hmac::<Sha256>::new_from_slice(key.as_bytes())
            .map_err(|e| WireError(format!("the key cannot be used: {e}")))?;
        Ok(Signer { mac: Some(mac) })
    }

    /// A signer that neither signs nor checks: only for tests of the
    /// frames themselves.
    #[cfg(test)]
    fn unsigned() -> Signer {
        Signer { mac: None }
    }

    /// The hex signature of `parts`.
    pub fn sign(&self, parts: &[&[u8]]) -> String {
        match &self.mac {
            None => String::new(),
            Some(mac) => {
                let mut mac = mac.clone();
                for part in parts {
                    mac.update(part);
                }
                hex::encode(mac.finalize().into_bytes())
            }
        }
    }

    fn verify(&self, parts: &[&[u8]], signature: &[u8]) -> Result<(), WireError> {
        let Some(mac) = &self.mac else {
            return Ok(());
        };
        let mut mac = mac.clone();
        for part in parts {
            mac.update(part);
        }
        let given = hex::decode(signature)
            .map_err(|_| WireError("the signature is not hex".into()))?;
        mac.verify_slice(&given)
            .map_err(|_| WireError("the signature does not match the key".into()))
    }
}

/// One Jupyter message.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// ZeroMQ routing identities (who to answer on a ROUTER socket), or
    /// the topic on IOPub.
    pub identities: Vec<Vec<u8>>,
    /// `msg_id`, `session`, `username`, `date`, `msg_type`, `version`.
    pub header: Value,
    /// The header of the message this one answers, or `{}`.
    pub parent_header: Value,
    /// Metadata, usually `{}`.
    pub metadata: Value,
    /// The message's content.
    pub content: Value,
    /// Binary buffers, usually none.
    pub buffers: Vec<Vec<u8>>,
}

impl Message {
    /// The message's type (`execute_request`, …).
    pub fn msg_type(&self) -> &str {
        self.header["msg_type"].as_str().unwrap_or("")
    }

    /// Reads a message from its frames, checking its signature.
    ///
    /// # Errors
    ///
    /// When the delimiter or a JSON frame is missing, a frame is not JSON,
    /// or the signature does not match.
    pub fn from_frames(
        frames: Vec<Vec<u8>>,
        signer: &Signer,
    ) -> Result<Message, WireError> {
        let at = frames
            .iter()
            .position(|f| f == DELIMITER)
            .ok_or_else(|| WireError("no <IDS|MSG> delimiter".into()))?;
        if frames.len() < at + 6 {
            return Err(WireError(format!(
                "{} frames after the delimiter; a message has at least 5",
                frames.len() - at - 1
            )));
        }
        let mut frames = frames;
        let buffers = frames.split_off(at + 6);
        let parts = frames.split_off(at + 2);
        let signature = frames.pop().unwrap_or_default();
        frames.pop();
        let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
        signer.verify(&refs, &signature)?;
        let json = |i: usize, what: &str| -> Result<Value, WireError> {
            serde_json::from_slice(&parts[i])
                .map_err(|e| WireError(format!("the {what} is not JSON: {e}")))
        };
        Ok(Message {
            identities: frames,
            header: json(0, "header")?,
            parent_header: json(1, "parent header")?,
            metadata: json(2, "metadata")?,
            content: json(3, "content")?,
            buffers,
        })
    }

    /// The message's frames, signed.
    pub fn to_frames(&self, signer: &Signer) -> Vec<Vec<u8>> {
        let parts: Vec<Vec<u8>> = [
            &self.header,
            &self.parent_header,
            &self.metadata,
            &self.content,
        ]
        .iter()
        .map(|v| v.to_string().into_bytes())
        .collect();
        let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
        let signature = signer.sign(&refs);
        let mut frames = self.identities.clone();
        frames.push(DELIMITER.to_vec());
        frames.push(signature.into_bytes());
        frames.extend(parts);
        frames.extend(self.buffers.iter().cloned());
        frames
    }
}

/// The kernel's session: it stamps the headers of the messages it sends.
#[derive(Debug, Clone)]
pub struct Session {
    id: String,
    username: String,
}

impl Session {
    /// A new session with a random id, sending as `username`.
    pub fn new(username: &str) -> Session {
        Session {
            id: random_id(),
            username: username.to_string(),
        }
    }

    /// The session's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    fn header(&self, msg_type: &str) -> Value {
        json!({
            "msg_id": random_id(),
            "session": self.id,
            "username": self.username,
            "date": iso_date(SystemTime::now()),
            "msg_type": msg_type,
            "version": PROTOCOL_VERSION,
        })
    }

    /// A message of `msg_type` in answer to or on behalf of `parent` (its
    /// header becomes the parent header; its identities are kept, for a
    /// reply on the same socket).
    pub fn message(
        &self,
        parent: Option<&Message>,
        msg_type: &str,
        content: Value,
    ) -> Message {
        Message {
            identities: parent.map(|p| p.identities.clone()).unwrap_or_default(),
            header: self.header(msg_type),
            parent_header: parent.map_or_else(|| json!({}), |p| p.header.clone()),
            metadata: json!({}),
            content,
            buffers: Vec::new(),
        }
    }

    /// The reply to `request`: `X_request` is answered by `X_reply`.
    pub fn reply(&self, request: &Message, content: Value) -> Message {
        let kind = request.msg_type();
        let reply = format!("{}_reply", kind.strip_suffix("_request").unwrap_or(kind));
        self.message(Some(request), &reply, content)
    }

    /// A message on IOPub about `parent` (a status, a stream, a display):
    /// its topic is its type.
    pub fn broadcast(
        &self,
        parent: Option<&Message>,
        msg_type: &str,
        content: Value,
    ) -> Message {
        let mut message = self.message(parent, msg_type, content);
        message.identities = vec![msg_type.as_bytes().to_vec()];
        message
    }
}

/// 128 random bits as hex (a message or session id).
pub fn random_id() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        // No random source: fall back to the clock and a counter, which
        // still gives ids unique within this kernel.
        use std::sync::atomic::{AtomicU64, Ordering};
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        bytes[..8].copy_from_slice(&nanos.to_le_bytes());
        bytes[8..]
            .copy_from_slice(&COUNTER.fetch_add(1, Ordering::Relaxed).to_le_bytes());
    }
    hex::encode(bytes)
}

/// `time` as ISO 8601 in UTC with microseconds: `2026-11-24T15:04:05.123456Z`.
pub fn iso_date(time: SystemTime) -> String {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = civil_from_days(days as i64);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:06}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60,
        since.subsec_micros()
    )
}

/// The calendar date `days` after 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn dates_are_iso_8601_in_utc() {
        let t = UNIX_EPOCH + Duration::from_micros(1_795_533_845_123_456);
        assert_eq!(iso_date(t), "2026-11-24T15:24:05.123456Z");
        assert_eq!(iso_date(UNIX_EPOCH), "1970-01-01T00:00:00.000000Z");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400); // 2000-02-29
        assert!(iso_date(leap).starts_with("2000-02-29T"));
    }

    #[test]
    fn a_tampered_message_is_refused() {
        let signer = Signer::new("key").unwrap();
        let session = Session::new("k");
        let mut frames = session
            .message(None, "execute_request", json!({"code": "1"}))
            .to_frames(&signer);
        let content = frames.len() - 1;
        frames[content] = br#"{"code": "2"}"#.to_vec();
        let err = Message::from_frames(frames, &signer).unwrap_err();
        assert!(err.0.contains("does not match"), "{err}");
    }

    #[test]
    fn an_empty_key_is_refused() {
        let err = Signer::new("").err().expect("an empty key is refused");
        assert!(err.0.contains("refuses to start"), "{err}");
    }

    #[test]
    fn identities_and_buffers_survive_a_round_trip() {
        let signer = Signer::unsigned();
        let session = Session::new("k");
        let mut m = session.message(None, "comm_msg", json!({}));
        m.identities = vec![b"client-1".to_vec(), b"client-2".to_vec()];
        m.buffers = vec![vec![1, 2, 3]];
        let back = Message::from_frames(m.to_frames(&signer), &signer).unwrap();
        assert_eq!(back.identities, m.identities);
        assert_eq!(back.buffers, m.buffers);
        assert_eq!(back.content, m.content);
    }

    #[test]
    fn a_short_message_says_what_is_missing() {
        let err =
            Message::from_frames(vec![b"x".to_vec()], &Signer::unsigned()).unwrap_err();
        assert!(err.0.contains("delimiter"));
        let err =
            Message::from_frames(vec![DELIMITER.to_vec(), vec![]], &Signer::unsigned())
                .unwrap_err();
        assert!(err.0.contains("at least 5"), "{err}");
    }
}
