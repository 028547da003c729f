//! The connection file Jupyter writes for a kernel, and the sockets it
//! names: frames in and out of ZeroMQ, signed with its key.

use anyhow::{Context, bail};
use bytes::Bytes;
use course_kernel_core::wire::{Message, Signer};
use zeromq::{Socket, SocketRecv, SocketSend, ZmqMessage};

/// What the connection file says.
#[derive(Debug, Clone)]
pub struct ConnectionInfo {
    transport: String,
    ip: String,
    /// The key that signs messages.
    pub key: String,
    /// The shell channel's port.
    pub shell_port: u16,
    /// The control channel's port.
    pub control_port: u16,
    /// The stdin channel's port.
    pub stdin_port: u16,
    /// The IOPub channel's port.
    pub iopub_port: u16,
    /// The heartbeat's port.
    pub hb_port: u16,
}

impl ConnectionInfo {
    /// Reads the connection file at `path`.
    pub fn read(path: &str) -> anyhow::Result<ConnectionInfo> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the connection file {path}"))?;
        let json: serde_json::Value = serde_json::from_str(&text)
            .with_context(|| format!("the connection file {path} is not JSON"))?;
        let port = |name: &str| -> anyhow::Result<u16> {
            json[name]
                .as_u64()
                .and_then(|p| u16::try_from(p).ok())
                .with_context(|| format!("the connection file has no valid {name}"))
        };
        let text_field = |name: &str| -> anyhow::Result<String> {
            json[name]
                .as_str()
                .map(str::to_string)
                .with_context(|| format!("the connection file has no {name}"))
        };
        if let Some(scheme) = json["signature_scheme"].as_str()
            && scheme != "hmac-sha256"
        {
            bail!("signature scheme {scheme} is not supported (hmac-sha256 is)");
        }
        Ok(ConnectionInfo {
            transport: text_field("transport")?,
            ip: text_field("ip")?,
            key: text_field("key")?,
            shell_port: port("shell_port")?,
            control_port: port("control_port")?,
            stdin_port: port("stdin_port")?,
            iopub_port: port("iopub_port")?,
            hb_port: port("hb_port")?,
        })
    }

    /// Binds a socket of type `S` to `port`.
    pub async fn bind<S: Socket>(&self, port: u16) -> anyhow::Result<S> {
        let endpoint = endpoint(&self.transport, &self.ip, port)?;
        if let Some(path) = endpoint.strip_prefix("ipc://") {
            remove_stale_socket(std::path::Path::new(path))?;
        }
        let mut socket = S::new();
        socket
            .bind(&endpoint)
            .await
            .with_context(|| format!("binding {endpoint}"))?;
        Ok(socket)
    }
}

/// The ZeroMQ endpoint of a channel, as Jupyter names it: `tcp://IP:PORT`,
/// or for Unix sockets `ipc://PATH-N` (the connection file's `ip` is the
/// path's stem and each channel's "port" a small number). Unix sockets
/// live in the user's own runtime folder, where other users cannot reach
/// them, which a port on 127.0.0.1 is not.
pub fn endpoint(transport: &str, ip: &str, port: u16) -> anyhow::Result<String> {
    match transport {
        "tcp" => Ok(format!("tcp://{ip}:{port}")),
        "ipc" => Ok(format!("ipc://{ip}-{port}")),
        other => bail!("transport {other} is not supported (tcp and ipc are)"),
    }
}

/// Removes a Unix socket file left by a kernel that died, as ZeroMQ's own
/// library does before it binds: only a socket nobody listens on.
///
/// # Errors
///
/// When something that is not a socket is in the way.
fn remove_stale_socket(path: &std::path::Path) -> anyhow::Result<()> {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return Ok(());
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if !meta.file_type().is_socket() {
            bail!(
                "{} is in the way of the kernel's socket and is not a socket; remove it",
                path.display()
            );
        }
        if std::os::unix::net::UnixStream::connect(path).is_ok() {
            bail!("another kernel listens on {}", path.display());
        }
        std::fs::remove_file(path)
            .with_context(|| format!("removing the stale socket {}", path.display()))?;
    }
    #[cfg(not(unix))]
    let _ = meta;
    Ok(())
}

/// Receives one message from `socket`; a message that cannot be read is
/// reported on standard error and skipped.
pub async fn recv<S: SocketRecv>(
    socket: &mut S,
    signer: &Signer,
) -> anyhow::Result<Message> {
    loop {
        let frames: Vec<Vec<u8>> = socket
            .recv()
            .await?
            .into_vec()
            .into_iter()
            .map(|b| b.to_vec())
            .collect();
        match Message::from_frames(frames, signer) {
            Ok(message) => return Ok(message),
            Err(e) => eprintln!("course-kernel: ignored a message: {e}"),
        }
    }
}

/// Sends `message` on `socket`, signed.
pub async fn send<S: SocketSend>(
    socket: &mut S,
    signer: &Signer,
    message: &Message,
) -> anyhow::Result<()> {
    let frames: Vec<Bytes> = message
        .to_frames(signer)
        .into_iter()
        .map(Bytes::from)
        .collect();
    let zmq =
        ZmqMessage::try_from(frames).map_err(|_| anyhow::anyhow!("an empty message"))?;
    socket.send(zmq).await?;
    Ok(())
}
