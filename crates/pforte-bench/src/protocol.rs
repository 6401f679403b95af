//! Minimal codecs of the peers' protocols, as much as a subscriber and a publisher need.
//!
//! Why not `async-nats` or `rumqttc`: each of them gives every client its own connection
//! task, buffers of tens of KiB, a keep-alive timer and a request queue. Ten thousand of them
//! in the load generator would cost more CPU and memory than the system measured, and they
//! would not drive the same WebSocket code as the Pforte watchers. Here every system is driven
//! by the same tokio-tungstenite sockets with the same small buffers; only the few bytes of
//! each protocol differ, so a difference in the figures is the server's, not the client's.

/// NATS' text protocol (<https://docs.nats.io/reference/reference-protocols/nats-protocol>).
pub mod nats {
    /// What the server sent.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub enum Op {
        Info,
        Ping,
        Pong,
        Ok,
        Err(String),
        Msg { subject: String, payload: Vec<u8> },
    }

    /// The client's first words: no `+OK` for every command, no echo of its own messages.
    pub fn connect() -> String {
        "CONNECT {\"verbose\":false,\"pedantic\":false,\"protocol\":1,\"echo\":false}\r\n".into()
    }

    pub fn sub(subject: &str, sid: u32) -> String {
        format!("SUB {subject} {sid}\r\n")
    }

    pub fn publish(subject: &str, payload: &str) -> String {
        format!("PUB {subject} {}\r\n{payload}\r\n", payload.len())
    }

    pub const PING: &str = "PING\r\n";
    pub const PONG: &str = "PONG\r\n";

    /// Splits what arrives (in frames of any size) into operations.
    #[derive(Default)]
    pub struct Parser {
        buf: Vec<u8>,
    }

    fn line_end(buf: &[u8]) -> Option<usize> {
        buf.windows(2).position(|w| w == b"\r\n")
    }

    impl Parser {
        pub fn feed(&mut self, bytes: &[u8]) {
            self.buf.extend_from_slice(bytes);
        }

        /// The next complete operation, if one has arrived. An unknown line is an error.
        pub fn next_op(&mut self) -> Result<Option<Op>, String> {
            let Some(end) = line_end(&self.buf) else {
                return Ok(None);
            };
            let line = String::from_utf8_lossy(&self.buf[..end]).into_owned();
            let mut words = line.split_ascii_whitespace();
            let verb = words.next().unwrap_or_default().to_ascii_uppercase();
            let op = match verb.as_str() {
                "INFO" => Op::Info,
                "PING" => Op::Ping,
                "PONG" => Op::Pong,
                "+OK" => Op::Ok,
                "-ERR" => Op::Err(line[4..].trim().to_owned()),
                "MSG" => {
                    let args: Vec<&str> = words.collect();
                    let (subject, size) = match args.as_slice() {
                        [subject, _sid, size] | [subject, _sid, _, size] => (*subject, *size),
                        _ => return Err(format!("a MSG line the bench cannot read: {line}")),
                    };
                    let size: usize = size
                        .parse()
                        .map_err(|_| format!("a MSG line with a bad size: {line}"))?;
                    let start = end + 2;
                    if self.buf.len() < start + size + 2 {
                        return Ok(None);
                    }
                    let op = Op::Msg {
                        subject: subject.to_owned(),
                        payload: self.buf[start..start + size].to_vec(),
                    };
                    self.buf.drain(..start + size + 2);
                    return Ok(Some(op));
                }
                _ => return Err(format!("an unknown NATS line: {line}")),
            };
            self.buf.drain(..end + 2);
            Ok(Some(op))
        }
    }
}

/// MQTT 3.1.1 (<https://docs.oasis-open.org/mqtt/mqtt/v3.1.1/os/mqtt-v3.1.1-os.html>), QoS 0.
pub mod mqtt {
    pub const CONNACK: u8 = 2;
    pub const PUBLISH: u8 = 3;
    pub const SUBACK: u8 = 9;
    pub const PINGRESP: u8 = 13;

    /// One control packet: its type (upper four bits), flags and the rest.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct Packet {
        pub kind: u8,
        pub flags: u8,
        pub body: Vec<u8>,
    }

    fn remaining_length(mut length: usize, out: &mut Vec<u8>) {
        loop {
            let mut byte = (length % 128) as u8;
            length /= 128;
            if length > 0 {
                byte |= 0x80;
            }
            out.push(byte);
            if length == 0 {
                break;
            }
        }
    }

    fn string(text: &str, out: &mut Vec<u8>) {
        out.extend_from_slice(&(text.len() as u16).to_be_bytes());
        out.extend_from_slice(text.as_bytes());
    }

    fn packet(first: u8, body: &[u8]) -> Vec<u8> {
        let mut out = vec![first];
        remaining_length(body.len(), &mut out);
        out.extend_from_slice(body);
        out
    }

    /// CONNECT with a clean session; `keep_alive` seconds (0: none).
    pub fn connect(client_id: &str, keep_alive: u16) -> Vec<u8> {
        let mut body = Vec::new();
        string("MQTT", &mut body);
        body.push(4); // protocol level 3.1.1
        body.push(0x02); // clean session
        body.extend_from_slice(&keep_alive.to_be_bytes());
        string(client_id, &mut body);
        packet(0x10, &body)
    }

    pub fn subscribe(packet_id: u16, topic: &str) -> Vec<u8> {
        let mut body = packet_id.to_be_bytes().to_vec();
        string(topic, &mut body);
        body.push(0); // QoS 0
        packet(0x82, &body)
    }

    pub fn publish(topic: &str, payload: &[u8]) -> Vec<u8> {
        let mut body = Vec::new();
        string(topic, &mut body);
        body.extend_from_slice(payload);
        packet(0x30, &body)
    }

    pub fn pingreq() -> Vec<u8> {
        vec![0xC0, 0x00]
    }

    /// The topic and payload of a QoS 0 PUBLISH.
    pub fn publish_parts(body: &[u8]) -> Option<(&str, &[u8])> {
        let length = usize::from(u16::from_be_bytes([*body.first()?, *body.get(1)?]));
        let topic = std::str::from_utf8(body.get(2..2 + length)?).ok()?;
        Some((topic, &body[2 + length..]))
    }

    /// Splits what arrives into packets.
    #[derive(Default)]
    pub struct Parser {
        buf: Vec<u8>,
    }

    impl Parser {
        pub fn feed(&mut self, bytes: &[u8]) {
            self.buf.extend_from_slice(bytes);
        }

        pub fn next_packet(&mut self) -> Result<Option<Packet>, String> {
            let Some(&first) = self.buf.first() else {
                return Ok(None);
            };
            let mut length = 0usize;
            let mut at = 1;
            loop {
                let Some(&byte) = self.buf.get(at) else {
                    return Ok(None);
                };
                length += usize::from(byte & 0x7F) << (7 * (at - 1));
                at += 1;
                if byte & 0x80 == 0 {
                    break;
                }
                if at > 4 {
                    return Err("an MQTT packet with a malformed length".into());
                }
            }
            if self.buf.len() < at + length {
                return Ok(None);
            }
            let packet = Packet {
                kind: first >> 4,
                flags: first & 0x0F,
                body: self.buf[at..at + length].to_vec(),
            };
            self.buf.drain(..at + length);
            Ok(Some(packet))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nats_message_split_across_frames_comes_out_whole_after_the_last_piece() {
        let mut parser = nats::Parser::default();
        parser.feed(b"INFO {\"server_id\":\"x\"}\r\nMSG gate 1 5\r\nhel");
        assert_eq!(parser.next_op().unwrap(), Some(nats::Op::Info));
        assert_eq!(parser.next_op().unwrap(), None);
        parser.feed(b"lo\r\nPING\r\n");
        assert_eq!(
            parser.next_op().unwrap(),
            Some(nats::Op::Msg {
                subject: "gate".into(),
                payload: b"hello".to_vec()
            })
        );
        assert_eq!(parser.next_op().unwrap(), Some(nats::Op::Ping));
        assert_eq!(parser.next_op().unwrap(), None);
    }

    #[test]
    fn a_nats_message_with_a_reply_subject_and_an_error_line_are_read() {
        let mut parser = nats::Parser::default();
        parser.feed(b"MSG gate 9 inbox.1 2\r\n42\r\n-ERR 'Slow Consumer'\r\n");
        assert!(
            matches!(parser.next_op().unwrap(), Some(nats::Op::Msg { payload, .. }) if payload == b"42")
        );
        assert_eq!(
            parser.next_op().unwrap(),
            Some(nats::Op::Err("'Slow Consumer'".into()))
        );
        parser.feed(b"WHAT\r\n");
        assert!(parser.next_op().is_err());
    }

    #[test]
    fn a_nats_publication_states_the_length_of_its_payload() {
        assert_eq!(nats::publish("gate", "17"), "PUB gate 2\r\n17\r\n");
        assert_eq!(nats::sub("gate", 3), "SUB gate 3\r\n");
    }

    #[test]
    fn an_mqtt_connect_is_the_three_one_one_packet_with_a_clean_session() {
        let packet = mqtt::connect("b1", 60);
        assert_eq!(
            packet,
            [0x10, 14, 0, 4, b'M', b'Q', b'T', b'T', 4, 0x02, 0, 60, 0, 2, b'b', b'1']
        );
    }

    #[test]
    fn an_mqtt_publish_read_back_gives_its_topic_and_payload() {
        let mut parser = mqtt::Parser::default();
        let bytes = mqtt::publish("gate", b"12");
        parser.feed(&bytes[..3]);
        assert_eq!(parser.next_packet().unwrap(), None);
        parser.feed(&bytes[3..]);
        parser.feed(&[0xD0, 0x00]);
        let packet = parser.next_packet().unwrap().unwrap();
        assert_eq!(packet.kind, mqtt::PUBLISH);
        assert_eq!(
            mqtt::publish_parts(&packet.body),
            Some(("gate", &b"12"[..]))
        );
        assert_eq!(parser.next_packet().unwrap().unwrap().kind, mqtt::PINGRESP);
    }

    #[test]
    fn an_mqtt_length_above_127_takes_two_bytes() {
        let payload = vec![b'x'; 200];
        let bytes = mqtt::publish("t", &payload);
        // 2 + 1 + 200 = 203 = 0xCB 0x01
        assert_eq!(&bytes[..3], &[0x30, 0xCB, 0x01]);
        let mut parser = mqtt::Parser::default();
        parser.feed(&bytes);
        let packet = parser.next_packet().unwrap().unwrap();
        assert_eq!(mqtt::publish_parts(&packet.body).unwrap().1.len(), 200);
    }

    #[test]
    fn an_mqtt_subscribe_asks_for_qos_zero() {
        assert_eq!(
            mqtt::subscribe(1, "gate"),
            [0x82, 9, 0, 1, 0, 4, b'g', b'a', b't', b'e', 0]
        );
    }
}
