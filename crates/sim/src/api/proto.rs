//! Just enough of the Kubernetes protobuf encoding to read what kubectl's typed clients send
//! as protobuf and the simulator must understand: a SelfSubjectAccessReview's
//! `spec.resourceAttributes` (`kubectl auth can-i`). Everything else in the message is skipped.

use serde_json::{Map, Value, json};

/// The envelope's magic prefix (`k8s\0`).
const MAGIC: &[u8] = b"k8s\x00";

/// The length-delimited fields of one message, `(field number, bytes)`, in order; other wire
/// types are skipped. `None` when the bytes are not a well-formed message.
fn fields(mut buf: &[u8]) -> Option<Vec<(u64, &[u8])>> {
    let mut out = Vec::new();
    while !buf.is_empty() {
        let key = varint(&mut buf)?;
        match key & 7 {
            0 => {
                varint(&mut buf)?;
            }
            1 => buf = buf.get(8..)?,
            2 => {
                let len = usize::try_from(varint(&mut buf)?).ok()?;
                out.push((key >> 3, buf.get(..len)?));
                buf = buf.get(len..)?;
            }
            5 => buf = buf.get(4..)?,
            _ => return None,
        }
    }
    Some(out)
}

fn varint(buf: &mut &[u8]) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let (&byte, rest) = buf.split_first()?;
        *buf = rest;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

fn field<'a>(fields: &[(u64, &'a [u8])], number: u64) -> Option<&'a [u8]> {
    fields.iter().find(|(n, _)| *n == number).map(|(_, b)| *b)
}

/// The `spec` of a protobuf SelfSubjectAccessReview as JSON (`resourceAttributes` only; a
/// review of a non-resource URL gives `{"nonResourceAttributes": {}}`).
pub(crate) fn access_review_spec(body: &[u8]) -> Option<Value> {
    let unknown = fields(body.strip_prefix(MAGIC)?)?;
    let review = fields(field(&unknown, 2)?)?;
    let spec = fields(field(&review, 2).unwrap_or_default())?;
    let Some(attrs) = field(&spec, 1) else {
        return Some(json!({"nonResourceAttributes": {}}));
    };
    const NAMES: [(u64, &str); 7] = [
        (1, "namespace"),
        (2, "verb"),
        (3, "group"),
        (4, "version"),
        (5, "resource"),
        (6, "subresource"),
        (7, "name"),
    ];
    let attrs = fields(attrs)?;
    let mut out = Map::new();
    for (number, name) in NAMES {
        if let Some(v) = field(&attrs, number) {
            out.insert(name.into(), json!(String::from_utf8_lossy(v)));
        }
    }
    Some(json!({"resourceAttributes": out}))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn bytes(number: u64, payload: &[u8]) -> Vec<u8> {
        let mut out = vec![(number << 3 | 2) as u8, payload.len() as u8];
        out.extend_from_slice(payload);
        out
    }

    #[test]
    fn reads_the_resource_attributes_of_an_enveloped_review() {
        let attrs = [
            bytes(1, b"bnpl"),
            bytes(2, b"patch"),
            bytes(3, b"argoproj.io"),
            bytes(5, b"rollouts"),
            bytes(6, b"status"),
        ]
        .concat();
        let spec = bytes(1, &attrs);
        let review = [bytes(1, b""), bytes(2, &spec)].concat();
        let type_meta = [bytes(1, b"authorization.k8s.io/v1"), bytes(2, b"X")].concat();
        let mut body = MAGIC.to_vec();
        body.extend([bytes(1, &type_meta), bytes(2, &review)].concat());
        assert_eq!(
            access_review_spec(&body),
            Some(
                json!({"resourceAttributes": {"namespace": "bnpl", "verb": "patch",
                "group": "argoproj.io", "resource": "rollouts", "subresource": "status"}})
            )
        );
        assert_eq!(access_review_spec(b"{}"), None);
        assert_eq!(access_review_spec(b"k8s\x00\x12\x05ab"), None, "truncated");
    }
}
