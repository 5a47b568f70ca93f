//! WebAuthn Level 2 relying-party checks for passkeys and security keys as a second factor:
//! ES256 (P-256) credentials, attestation not verified (we ask for `none`; we trust the user's
//! own enrolment inside an authenticated session, not the authenticator's make).
//!
//! Registration (§7.1): clientDataJSON `type = webauthn.create`, our challenge, our origin, not
//! cross-origin; authenticatorData's rpIdHash = SHA-256(rp id), user present, attested
//! credential data with an EC2/P-256/ES256 COSE key.
//! Authentication (§7.2): `type = webauthn.get`, challenge, origin, rpIdHash, user present, the
//! signature over authenticatorData ‖ SHA-256(clientDataJSON) with the stored key, and a
//! signature counter that moves forward (when the authenticator keeps one).
//!
//! Every input is outside data: parsing returns an error, never panics.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ciborium::Value;
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{Signature, VerifyingKey};
use rand::RngCore;
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};

/// Who we are to the authenticator: the RP id (our host name) and the origin pages come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelyingParty {
    pub id: String,
    pub origin: String,
}

impl RelyingParty {
    /// From the configured public origin `https://host[:port]`.
    pub fn from_origin(origin: &str) -> Option<Self> {
        Self::from_host(
            origin
                .trim()
                .trim_end_matches('/')
                .strip_prefix("https://")?,
        )
    }

    /// Whether this relying party is the local machine (where an unconfigured server may take
    /// it from the request's Host header: nobody can relay to a loopback address).
    pub fn is_loopback(&self) -> bool {
        matches!(self.id.as_str(), "localhost" | "127.0.0.1" | "::1")
    }

    /// `https://host[:port]`, id = host. Only for a configured origin or a loopback Host: a
    /// relying party taken from an arbitrary Host header would let a relaying site choose it.
    pub fn from_host(host: &str) -> Option<Self> {
        let host = host.trim();
        if host.is_empty()
            || host.len() > 255
            || host.chars().any(|c| c.is_whitespace() || c == '/')
        {
            return None;
        }
        let id = if let Some(rest) = host.strip_prefix('[') {
            rest.split(']').next()?.to_string()
        } else {
            host.rsplit_once(':')
                .filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit()))
                .map(|(h, _)| h)
                .unwrap_or(host)
                .to_string()
        };
        Some(Self {
            id: id.to_ascii_lowercase(),
            origin: format!("https://{}", host.to_ascii_lowercase()),
        })
    }
}

/// Why a ceremony was refused (a stable code for the audit log; never shown in detail).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WebauthnError {
    #[error("malformed data")]
    Malformed,
    #[error("wrong ceremony type")]
    WrongType,
    #[error("challenge does not match")]
    WrongChallenge,
    #[error("origin does not match")]
    WrongOrigin,
    #[error("relying party does not match")]
    WrongRelyingParty,
    #[error("user not present")]
    UserNotPresent,
    #[error("unsupported key type")]
    UnsupportedKey,
    #[error("signature does not verify")]
    BadSignature,
    #[error("signature counter went back (cloned authenticator?)")]
    CounterWentBack,
}

impl WebauthnError {
    pub fn code(self) -> &'static str {
        match self {
            Self::Malformed => "malformed",
            Self::WrongType => "wrong_type",
            Self::WrongChallenge => "wrong_challenge",
            Self::WrongOrigin => "wrong_origin",
            Self::WrongRelyingParty => "wrong_rp",
            Self::UserNotPresent => "user_not_present",
            Self::UnsupportedKey => "unsupported_key",
            Self::BadSignature => "bad_signature",
            Self::CounterWentBack => "counter_went_back",
        }
    }
}

pub fn new_challenge() -> [u8; 32] {
    let mut c = [0u8; 32];
    rand::rng().fill_bytes(&mut c);
    c
}

pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn unb64(text: &str) -> Result<Vec<u8>, WebauthnError> {
    URL_SAFE_NO_PAD
        .decode(text.trim_end_matches('='))
        .map_err(|_| WebauthnError::Malformed)
}

/// `PublicKeyCredentialCreationOptions`, binary fields as base64url (the app converts them).
pub fn creation_options(
    rp: &RelyingParty,
    rp_name: &str,
    user_handle: &[u8],
    user_name: &str,
    user_display_name: &str,
    challenge: &[u8],
    exclude: &[Vec<u8>],
) -> serde_json::Value {
    json!({
        "rp": {"id": rp.id, "name": rp_name},
        "user": {"id": b64(user_handle), "name": user_name, "displayName": user_display_name},
        "challenge": b64(challenge),
        "pubKeyCredParams": [{"type": "public-key", "alg": -7}],
        "timeout": 120_000,
        "attestation": "none",
        "authenticatorSelection": {"userVerification": "preferred", "residentKey": "discouraged"},
        "excludeCredentials": exclude.iter().map(|id| json!({"type": "public-key", "id": b64(id)})).collect::<Vec<_>>(),
    })
}

/// `PublicKeyCredentialRequestOptions` for the user's credentials.
pub fn request_options(
    rp: &RelyingParty,
    challenge: &[u8],
    allow: &[Vec<u8>],
) -> serde_json::Value {
    json!({
        "rpId": rp.id,
        "challenge": b64(challenge),
        "timeout": 120_000,
        "userVerification": "preferred",
        "allowCredentials": allow.iter().map(|id| json!({"type": "public-key", "id": b64(id)})).collect::<Vec<_>>(),
    })
}

#[derive(Deserialize)]
struct ClientData {
    #[serde(rename = "type")]
    kind: String,
    challenge: String,
    origin: String,
    #[serde(rename = "crossOrigin", default)]
    cross_origin: bool,
}

fn check_client_data(
    json: &[u8],
    kind: &str,
    rp: &RelyingParty,
    challenge: &[u8],
) -> Result<(), WebauthnError> {
    let data: ClientData = serde_json::from_slice(json).map_err(|_| WebauthnError::Malformed)?;
    if data.kind != kind {
        return Err(WebauthnError::WrongType);
    }
    let sent = unb64(&data.challenge)?;
    if !bool::from(subtle::ConstantTimeEq::ct_eq(&sent[..], challenge)) {
        return Err(WebauthnError::WrongChallenge);
    }
    if data.origin != rp.origin || data.cross_origin {
        return Err(WebauthnError::WrongOrigin);
    }
    Ok(())
}

const FLAG_UP: u8 = 0x01;
const FLAG_AT: u8 = 0x40;

/// The fixed head of authenticatorData: rpIdHash, flags, counter.
fn auth_data_head(data: &[u8], rp: &RelyingParty) -> Result<(u8, u32), WebauthnError> {
    let rp_hash = data.get(..32).ok_or(WebauthnError::Malformed)?;
    let flags = *data.get(32).ok_or(WebauthnError::Malformed)?;
    let count = data.get(33..37).ok_or(WebauthnError::Malformed)?;
    if rp_hash != Sha256::digest(rp.id.as_bytes()).as_slice() {
        return Err(WebauthnError::WrongRelyingParty);
    }
    if flags & FLAG_UP == 0 {
        return Err(WebauthnError::UserNotPresent);
    }
    Ok((
        flags,
        u32::from_be_bytes([count[0], count[1], count[2], count[3]]),
    ))
}

/// A credential accepted at registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCredential {
    pub credential_id: Vec<u8>,
    /// SEC1 uncompressed point (0x04 ‖ x ‖ y).
    pub public_key: Vec<u8>,
    pub sign_count: u32,
}

fn map_get<'a>(map: &'a [(Value, Value)], key: &Value) -> Option<&'a Value> {
    map.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

fn int(v: i64) -> Value {
    Value::Integer(v.into())
}

/// The P-256 public key in a COSE_Key (RFC 9053: kty 2 EC2, alg -7 ES256, crv 1 P-256).
fn cose_p256(key: &Value) -> Result<Vec<u8>, WebauthnError> {
    let map = key.as_map().ok_or(WebauthnError::Malformed)?;
    let is = |k: i64, v: i64| map_get(map, &int(k)) == Some(&int(v));
    if !(is(1, 2) && is(3, -7) && is(-1, 1)) {
        return Err(WebauthnError::UnsupportedKey);
    }
    let coord = |k: i64| {
        map_get(map, &int(k))
            .and_then(Value::as_bytes)
            .filter(|b| b.len() == 32)
            .ok_or(WebauthnError::Malformed)
    };
    let mut point = Vec::with_capacity(65);
    point.push(0x04);
    point.extend_from_slice(coord(-2)?);
    point.extend_from_slice(coord(-3)?);
    VerifyingKey::from_sec1_bytes(&point).map_err(|_| WebauthnError::UnsupportedKey)?;
    Ok(point)
}

pub fn verify_registration(
    rp: &RelyingParty,
    challenge: &[u8],
    client_data_json: &[u8],
    attestation_object: &[u8],
) -> Result<NewCredential, WebauthnError> {
    check_client_data(client_data_json, "webauthn.create", rp, challenge)?;
    let object: Value =
        ciborium::from_reader(attestation_object).map_err(|_| WebauthnError::Malformed)?;
    let map = object.as_map().ok_or(WebauthnError::Malformed)?;
    let auth_data = map_get(map, &Value::Text("authData".into()))
        .and_then(Value::as_bytes)
        .ok_or(WebauthnError::Malformed)?;
    let (flags, sign_count) = auth_data_head(auth_data, rp)?;
    if flags & FLAG_AT == 0 {
        return Err(WebauthnError::Malformed);
    }
    // aaguid (16), credential id length (2), credential id, COSE key.
    let len_bytes = auth_data.get(53..55).ok_or(WebauthnError::Malformed)?;
    let id_len = usize::from(u16::from_be_bytes([len_bytes[0], len_bytes[1]]));
    let credential_id = auth_data
        .get(55..55 + id_len)
        .ok_or(WebauthnError::Malformed)?
        .to_vec();
    if !(16..=1023).contains(&credential_id.len()) {
        return Err(WebauthnError::Malformed);
    }
    let key_bytes = auth_data
        .get(55 + id_len..)
        .ok_or(WebauthnError::Malformed)?;
    let key: Value = ciborium::from_reader(key_bytes).map_err(|_| WebauthnError::Malformed)?;
    Ok(NewCredential {
        credential_id,
        public_key: cose_p256(&key)?,
        sign_count,
    })
}

/// Checks an assertion with the stored key; returns the new signature counter.
pub fn verify_assertion(
    rp: &RelyingParty,
    challenge: &[u8],
    public_key: &[u8],
    stored_count: u32,
    client_data_json: &[u8],
    authenticator_data: &[u8],
    signature: &[u8],
) -> Result<u32, WebauthnError> {
    check_client_data(client_data_json, "webauthn.get", rp, challenge)?;
    let (_, count) = auth_data_head(authenticator_data, rp)?;
    let key = VerifyingKey::from_sec1_bytes(public_key).map_err(|_| WebauthnError::Malformed)?;
    let signature = Signature::from_der(signature).map_err(|_| WebauthnError::BadSignature)?;
    let mut signed = authenticator_data.to_vec();
    signed.extend_from_slice(&Sha256::digest(client_data_json));
    key.verify(&signed, &signature)
        .map_err(|_| WebauthnError::BadSignature)?;
    // §6.1.1: a counter of 0 on both sides means the authenticator keeps none.
    if (count != 0 || stored_count != 0) && count <= stored_count {
        return Err(WebauthnError::CounterWentBack);
    }
    Ok(count)
}

/// A software authenticator, for tests: makes the bytes a browser would send.
pub mod software {
    use super::*;
    use p256::ecdsa::signature::Signer;
    use p256::ecdsa::SigningKey;

    pub struct Authenticator {
        key: SigningKey,
        pub credential_id: Vec<u8>,
        pub counter: u32,
    }

    impl Default for Authenticator {
        fn default() -> Self {
            Self::new()
        }
    }

    impl Authenticator {
        pub fn new() -> Self {
            let mut id = vec![0u8; 32];
            rand::rng().fill_bytes(&mut id);
            let mut seed = [0u8; 32];
            loop {
                rand::rng().fill_bytes(&mut seed);
                if let Ok(key) = SigningKey::from_slice(&seed) {
                    return Self {
                        key,
                        credential_id: id,
                        counter: 0,
                    };
                }
            }
        }

        fn auth_data(&self, rp_id: &str, flags: u8) -> Vec<u8> {
            let mut data = Sha256::digest(rp_id.as_bytes()).to_vec();
            data.push(flags);
            data.extend_from_slice(&self.counter.to_be_bytes());
            data
        }

        pub fn client_data(kind: &str, challenge: &[u8], origin: &str) -> Vec<u8> {
            json!({"type": kind, "challenge": b64(challenge), "origin": origin, "crossOrigin": false})
                .to_string()
                .into_bytes()
        }

        /// (clientDataJSON, attestationObject) for a `none` attestation.
        pub fn register(
            &mut self,
            rp_id: &str,
            origin: &str,
            challenge: &[u8],
        ) -> (Vec<u8>, Vec<u8>) {
            self.counter += 1;
            let mut data = self.auth_data(rp_id, FLAG_UP | FLAG_AT);
            data.extend_from_slice(&[0u8; 16]);
            data.extend_from_slice(&(self.credential_id.len() as u16).to_be_bytes());
            data.extend_from_slice(&self.credential_id);
            let point = self.key.verifying_key().to_encoded_point(false);
            let cose = Value::Map(vec![
                (int(1), int(2)),
                (int(3), int(-7)),
                (int(-1), int(1)),
                (
                    int(-2),
                    Value::Bytes(point.x().map(|x| x.to_vec()).unwrap_or_default()),
                ),
                (
                    int(-3),
                    Value::Bytes(point.y().map(|y| y.to_vec()).unwrap_or_default()),
                ),
            ]);
            let mut key_bytes = Vec::new();
            let _ = ciborium::into_writer(&cose, &mut key_bytes);
            data.extend_from_slice(&key_bytes);
            let object = Value::Map(vec![
                (Value::Text("fmt".into()), Value::Text("none".into())),
                (Value::Text("attStmt".into()), Value::Map(vec![])),
                (Value::Text("authData".into()), Value::Bytes(data)),
            ]);
            let mut bytes = Vec::new();
            let _ = ciborium::into_writer(&object, &mut bytes);
            (
                Self::client_data("webauthn.create", challenge, origin),
                bytes,
            )
        }

        /// (clientDataJSON, authenticatorData, DER signature).
        pub fn assert(
            &mut self,
            rp_id: &str,
            origin: &str,
            challenge: &[u8],
        ) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
            self.counter += 1;
            let data = self.auth_data(rp_id, FLAG_UP);
            let client = Self::client_data("webauthn.get", challenge, origin);
            let mut signed = data.clone();
            signed.extend_from_slice(&Sha256::digest(&client));
            let signature: Signature = self.key.sign(&signed);
            (client, data, signature.to_der().as_bytes().to_vec())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::software::Authenticator;
    use super::*;

    fn rp() -> RelyingParty {
        RelyingParty::from_host("localhost:8443").unwrap()
    }

    #[test]
    fn relying_party_from_host() {
        assert_eq!(
            rp(),
            RelyingParty {
                id: "localhost".into(),
                origin: "https://localhost:8443".into()
            }
        );
        assert_eq!(
            RelyingParty::from_host("Karte.Example.JP").unwrap().id,
            "karte.example.jp"
        );
        assert_eq!(RelyingParty::from_host("[::1]:8443").unwrap().id, "::1");
        assert_eq!(RelyingParty::from_host(""), None);
        assert_eq!(
            RelyingParty::from_origin("https://karte.example.jp/").unwrap(),
            RelyingParty {
                id: "karte.example.jp".into(),
                origin: "https://karte.example.jp".into()
            }
        );
        assert_eq!(RelyingParty::from_origin("http://karte.example.jp"), None);
        assert!(rp().is_loopback());
        assert!(!RelyingParty::from_host("karte.example.jp")
            .unwrap()
            .is_loopback());
        assert_eq!(RelyingParty::from_host("a b"), None);
    }

    #[test]
    fn a_registration_and_assertions_verify_and_tampering_is_caught() {
        let rp = rp();
        let mut device = Authenticator::new();
        let challenge = new_challenge();
        let (client, object) = device.register(&rp.id, &rp.origin, &challenge);
        let cred = verify_registration(&rp, &challenge, &client, &object).unwrap();
        assert_eq!(cred.credential_id, device.credential_id);
        assert_eq!(
            verify_registration(&rp, &new_challenge(), &client, &object),
            Err(WebauthnError::WrongChallenge)
        );
        let phishing = RelyingParty::from_host("karte-login.example").unwrap();
        let (c2, o2) = device.register(&rp.id, &phishing.origin, &challenge);
        assert_eq!(
            verify_registration(&rp, &challenge, &c2, &o2),
            Err(WebauthnError::WrongOrigin)
        );
        let (c3, o3) = device.register(&phishing.id, &rp.origin, &challenge);
        assert_eq!(
            verify_registration(&rp, &challenge, &c3, &o3),
            Err(WebauthnError::WrongRelyingParty)
        );

        let challenge = new_challenge();
        let (client, data, sig) = device.assert(&rp.id, &rp.origin, &challenge);
        let count = verify_assertion(
            &rp,
            &challenge,
            &cred.public_key,
            cred.sign_count,
            &client,
            &data,
            &sig,
        )
        .unwrap();
        assert!(count > cred.sign_count);
        // Replaying the same assertion: the counter does not move forward.
        assert_eq!(
            verify_assertion(
                &rp,
                &challenge,
                &cred.public_key,
                count,
                &client,
                &data,
                &sig
            ),
            Err(WebauthnError::CounterWentBack)
        );
        // Another key's signature, or tampered data, does not verify.
        let other = Authenticator::new();
        let (_, _, other_sig) = {
            let mut o = other;
            o.assert(&rp.id, &rp.origin, &challenge)
        };
        assert_eq!(
            verify_assertion(
                &rp,
                &challenge,
                &cred.public_key,
                0,
                &client,
                &data,
                &other_sig
            ),
            Err(WebauthnError::BadSignature)
        );
        let mut tampered = data.clone();
        tampered[36] ^= 1;
        assert_eq!(
            verify_assertion(
                &rp,
                &challenge,
                &cred.public_key,
                0,
                &client,
                &tampered,
                &sig
            ),
            Err(WebauthnError::BadSignature)
        );
        let get_as_create = Authenticator::client_data("webauthn.create", &challenge, &rp.origin);
        assert_eq!(
            verify_assertion(
                &rp,
                &challenge,
                &cred.public_key,
                0,
                &get_as_create,
                &data,
                &sig
            ),
            Err(WebauthnError::WrongType)
        );
    }

    #[test]
    fn garbage_is_an_error_never_a_panic() {
        let rp = rp();
        let challenge = new_challenge();
        let client = Authenticator::client_data("webauthn.create", &challenge, &rp.origin);
        let mut seed = 0x2545_f491_u64;
        for len in 0..400 {
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    seed as u8
                })
                .collect();
            assert!(verify_registration(&rp, &challenge, &client, &bytes).is_err());
            assert!(verify_registration(&rp, &challenge, &bytes, &bytes).is_err());
            assert!(verify_assertion(&rp, &challenge, &bytes, 0, &bytes, &bytes, &bytes).is_err());
        }
        // A well-formed object whose credential id length runs past the end.
        let mut device = Authenticator::new();
        let (client, object) = device.register(&rp.id, &rp.origin, &challenge);
        for cut in 0..object.len() {
            assert!(verify_registration(&rp, &challenge, &client, &object[..cut]).is_err());
        }
    }
}
