//! The three KMS calls a keyring makes, with errors mapped to the data-masking taxonomy.
//!
//! Data key copies: the plaintext that `GenerateDataKey` and `Decrypt` return is moved out of the
//! SDK's output (`Blob::into_inner`, no copy) into a `Zeroizing` vector, which the keyring moves
//! into a `DataKey` (zeroized on drop); a plaintext that fails a check is zeroized on return.
//! What the SDK holds is out of reach and is freed without being overwritten: the copy of the
//! data key given to `Encrypt` and its base64 text in the signed request body (kept for retries
//! until the call ends), and the HTTP response bodies of `GenerateDataKey` and `Decrypt` with the
//! base64 text of the plaintext.

use std::collections::BTreeMap;

use aws_sdk_kms::Client;
use aws_sdk_kms::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_kms::primitives::Blob;
use data_masking::Error;
use zeroize::Zeroizing;

use crate::arn::KeyArn;

/// A KMS failure as text: the operation, the key ARN and the KMS error code (never data).
pub(crate) fn describe<E, R>(op: &str, arn: &str, err: &SdkError<E, R>) -> String
where
    E: ProvideErrorMetadata,
{
    let (code, message) = match err {
        SdkError::ServiceError(e) => (
            e.err().code().unwrap_or("Unknown").to_owned(),
            e.err().message().unwrap_or_default().to_owned(),
        ),
        SdkError::TimeoutError(_) => ("Timeout".to_owned(), "the call timed out".to_owned()),
        SdkError::DispatchFailure(d) => (
            "DispatchFailure".to_owned(),
            if d.is_timeout() {
                "the connection timed out".to_owned()
            } else if d.is_io() {
                "the endpoint could not be reached".to_owned()
            } else {
                "the connection failed or was closed before an answer".to_owned()
            },
        ),
        SdkError::ResponseError(_) => (
            "ResponseError".to_owned(),
            "the response could not be read".to_owned(),
        ),
        SdkError::ConstructionFailure(_) => (
            "ConstructionFailure".to_owned(),
            "the request could not be built".to_owned(),
        ),
        _ => ("Unknown".to_owned(), String::new()),
    };
    if message.is_empty() {
        format!("KMS {op} with {arn} failed: {code}")
    } else {
        format!("KMS {op} with {arn} failed: {code}: {message}")
    }
}

/// The grant tokens of a request: none when the list is empty.
fn tokens(grant_tokens: &[String]) -> Option<Vec<String>> {
    (!grant_tokens.is_empty()).then(|| grant_tokens.to_vec())
}

fn context_map(
    ctx: &BTreeMap<String, String>,
) -> Option<std::collections::HashMap<String, String>> {
    (!ctx.is_empty()).then(|| ctx.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
}

/// `GenerateDataKey`: a new 32-byte data key, in plain and wrapped by `arn`. Returns the
/// plaintext, the ciphertext and the key ARN that KMS reports.
pub(crate) async fn generate_data_key(
    client: &Client,
    arn: &KeyArn,
    ctx: &BTreeMap<String, String>,
    length: i32,
    grant_tokens: &[String],
) -> Result<(Zeroizing<Vec<u8>>, Vec<u8>, String), Error> {
    let out = client
        .generate_data_key()
        .key_id(arn.as_str())
        .number_of_bytes(length)
        .set_encryption_context(context_map(ctx))
        .set_grant_tokens(tokens(grant_tokens))
        .send()
        .await
        .map_err(|e| Error::EncryptKey(describe("GenerateDataKey", arn.as_str(), &e)))?;
    let plaintext = Zeroizing::new(out.plaintext.map(Blob::into_inner).unwrap_or_default());
    let ciphertext = out
        .ciphertext_blob
        .map(Blob::into_inner)
        .unwrap_or_default();
    let key_id = out.key_id.unwrap_or_default();
    if usize::try_from(length).ok() != Some(plaintext.len()) || ciphertext.is_empty() {
        return Err(Error::EncryptKey(format!(
            "KMS GenerateDataKey with {arn} returned a data key of the wrong length"
        )));
    }
    if key_id.parse::<KeyArn>().is_err() {
        return Err(Error::EncryptKey(format!(
            "KMS GenerateDataKey with {arn} did not name the key ARN that wrapped the data key"
        )));
    }
    Ok((plaintext, ciphertext, key_id))
}

/// `Encrypt`: wraps an existing data key with `arn`. Returns the ciphertext and the key ARN that
/// KMS reports. The request needs an owned copy of the data key, which the SDK consumes and
/// frees without zeroizing it (as it does the request body).
pub(crate) async fn encrypt(
    client: &Client,
    arn: &KeyArn,
    data_key: &[u8],
    ctx: &BTreeMap<String, String>,
    grant_tokens: &[String],
) -> Result<(Vec<u8>, String), Error> {
    let out = client
        .encrypt()
        .key_id(arn.as_str())
        .plaintext(Blob::new(data_key.to_vec()))
        .set_encryption_context(context_map(ctx))
        .set_grant_tokens(tokens(grant_tokens))
        .send()
        .await
        .map_err(|e| Error::EncryptKey(describe("Encrypt", arn.as_str(), &e)))?;
    let ciphertext = out
        .ciphertext_blob
        .map(Blob::into_inner)
        .unwrap_or_default();
    let key_id = out.key_id.unwrap_or_default();
    if ciphertext.is_empty() || key_id.parse::<KeyArn>().is_err() {
        return Err(Error::EncryptKey(format!(
            "KMS Encrypt with {arn} returned no ciphertext or no key ARN"
        )));
    }
    Ok((ciphertext, key_id))
}

/// `Decrypt` with `KeyId` set to `arn` (on a client of `arn`'s Region): unwraps a data key, and
/// checks that KMS used exactly `arn`.
pub(crate) async fn decrypt(
    client: &Client,
    arn: &KeyArn,
    ciphertext: &[u8],
    ctx: &BTreeMap<String, String>,
    grant_tokens: &[String],
) -> Result<Zeroizing<Vec<u8>>, String> {
    let out = client
        .decrypt()
        .key_id(arn.as_str())
        .ciphertext_blob(Blob::new(ciphertext.to_vec()))
        .set_encryption_context(context_map(ctx))
        .set_grant_tokens(tokens(grant_tokens))
        .send()
        .await
        .map_err(|e| describe("Decrypt", arn.as_str(), &e))?;
    let plaintext = Zeroizing::new(out.plaintext.map(Blob::into_inner).unwrap_or_default());
    if out.key_id.as_deref() != Some(arn.as_str()) {
        return Err(format!(
            "KMS Decrypt with {arn} reported another key ({})",
            out.key_id.as_deref().unwrap_or("none")
        ));
    }
    Ok(plaintext)
}
