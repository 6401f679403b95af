//! The grant of a content key: wrapped for the asker and for each of a counselor's devices.
//! Its shape is checked as it arrives; whether it covers exactly the counselor's current
//! devices is checked against what the store holds, for an accept inside its transaction.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use pforte_domain::sealed::{KeyError, WrappedKey};
use pforte_wire::{DeviceKey, ErrorCode, KeyGrant};
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::store::{ChatRecord, DeviceRecord, KeyRecord, Reader};

pub fn key_invalid(what: &str, error: KeyError) -> AppError {
    AppError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::KeyInvalid,
        format!("{what}: {error}"),
    )
}

/// A content key wrapped for the asker and for devices, its shape checked; whether it covers
/// exactly the counselor's current devices is checked against the store by [`Grant::records`].
pub struct Grant {
    key: u32,
    asker: WrappedKey,
    devices: Vec<(Uuid, WrappedKey)>,
}

impl Grant {
    pub fn parse(key: u32, asker: &str, devices: &[DeviceKey]) -> AppResult<Self> {
        let asker = WrappedKey::parse(asker).map_err(|e| key_invalid("keys.asker", e))?;
        let devices = devices
            .iter()
            .enumerate()
            .map(|(i, entry)| {
                WrappedKey::parse(&entry.wrapped)
                    .map(|key| (entry.device, key))
                    .map_err(|e| key_invalid(&format!("keys.devices[{i}].wrapped"), e))
            })
            .collect::<AppResult<_>>()?;
        Ok(Self {
            key,
            asker,
            devices,
        })
    }

    /// The grant of an accept: the chat's first content key. Checked against the chat and
    /// the counselor's devices inside the accept's transaction, once the desk let it win
    /// (the losers of a race read nothing), and stored there.
    pub fn first(grant: &KeyGrant) -> AppResult<Self> {
        Self::parse(1, &grant.asker, &grant.devices)
    }

    /// The first key's records for `chat` (as the accept's transaction sees it).
    pub fn first_records(
        self,
        chat: Option<&ChatRecord>,
        devices: &[DeviceRecord],
    ) -> AppResult<Vec<KeyRecord>> {
        let Some(chat) = chat else {
            return Err(AppError::new(
                StatusCode::CONFLICT,
                ErrorCode::RequestGone,
                "the request is no longer waiting",
            ));
        };
        let Some(asker_key) = chat.asker_key.clone() else {
            return Err(AppError::new(
                StatusCode::CONFLICT,
                ErrorCode::RequestGone,
                "the request has no key of the asker (it is from before end-to-end encryption)",
            ));
        };
        self.records(asker_key, devices)
    }

    /// The records of the key wrapped for the asker (whose public key is `asker_key`) and
    /// exactly the counselor's current `devices`.
    pub fn records(self, asker_key: String, devices: &[DeviceRecord]) -> AppResult<Vec<KeyRecord>> {
        let given: BTreeSet<Uuid> = self.devices.iter().map(|(d, _)| *d).collect();
        let current: BTreeSet<Uuid> = devices.iter().map(|d| d.id).collect();
        if given != current || given.len() != self.devices.len() || current.is_empty() {
            return Err(AppError::new(
                StatusCode::CONFLICT,
                ErrorCode::DevicesChanged,
                format!(
                    "wrap the chat's key for the asker and for each of your {} devices, once each",
                    current.len()
                ),
            ));
        }
        let key = self.key;
        let mut keys = vec![KeyRecord {
            key,
            reader: Reader::Asker,
            reader_key: asker_key,
            wrapped: self.asker.as_str().to_owned(),
        }];
        for (device, wrapped) in self.devices {
            let reader_key = devices
                .iter()
                .find(|d| d.id == device)
                .map(|d| d.public_key.clone())
                .unwrap_or_default();
            keys.push(KeyRecord {
                key,
                reader: Reader::Device(device),
                reader_key,
                wrapped: wrapped.as_str().to_owned(),
            });
        }
        Ok(keys)
    }
}
