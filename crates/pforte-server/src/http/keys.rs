//! End-to-end keys: a counselor's devices ("Meine Geräte") and the content keys of a chat,
//! wrapped for each reader. The server keeps public keys and wrapped keys only; it checks
//! their shape and who may read which, and can open none of them.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use pforte_domain::sealed::{PublicKey, WrappedKey};
use pforte_domain::text::Name;
use pforte_domain::RequestId;
use pforte_domain::SwitchReason;
use pforte_wire::{
    AddDevice, ApiError, ChatKey, ChatKeys, Device, DeviceKey, DeviceList, ErrorCode, KeyReader,
    NewKey, SessionEndReason,
};
use uuid::Uuid;

use super::extract::{AppJson, AppPath, AppQuery, AskerAuth, CounselorAuth};
use crate::error::{AppError, AppResult};
use crate::grant::{key_invalid, Grant};
use crate::reception::{now, Reception};
use crate::store::{ChatRecord, DeviceRecord, KeyRecord, Reader, MAX_DEVICES};

/// The asker's public key as entered: checked before anything exists.
pub fn asker_key(text: &str) -> AppResult<PublicKey> {
    PublicKey::parse(text).map_err(|e| key_invalid("public_key", e))
}

fn wire_device(device: &DeviceRecord) -> Device {
    Device {
        id: device.id,
        name: device.name.clone(),
        public_key: device.public_key.clone(),
        added_at: device.added_at.as_millis(),
    }
}

#[utoipa::path(get, path = "/api/me/devices", tag = "counselor",
    security(("session_token" = [])), responses((status = 200, body = DeviceList)))]
pub async fn devices(
    State(reception): State<Arc<Reception>>,
    auth: CounselorAuth,
) -> AppResult<AppJson<DeviceList>> {
    let devices = reception.store.devices(auth.counselor).await?;
    Ok(AppJson(DeviceList {
        devices: devices.iter().map(wire_device).collect(),
    }))
}

/// Add this device (its public key); a key added before answers with its device.
#[utoipa::path(post, path = "/api/me/devices", tag = "counselor",
    security(("session_token" = [])), request_body = AddDevice,
    responses(
        (status = 201, body = Device, description = "added"),
        (status = 200, body = Device, description = "this public key was added before"),
        (status = 422, body = ApiError, description = "`key_invalid`, `device_name_invalid`"),
        (status = 409, body = ApiError, description = "`too_many_devices`"),
    ))]
pub async fn add_device(
    State(reception): State<Arc<Reception>>,
    auth: CounselorAuth,
    AppJson(body): AppJson<AddDevice>,
) -> AppResult<(StatusCode, AppJson<Device>)> {
    let name = Name::parse(&body.name)
        .ok()
        .filter(|n| n.as_str().chars().count() <= 64)
        .ok_or_else(|| {
            AppError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::DeviceNameInvalid,
                "a device name is one line of 1 to 64 characters",
            )
        })?;
    let key = PublicKey::parse(&body.public_key).map_err(|e| key_invalid("public_key", e))?;
    let new = DeviceRecord {
        id: Uuid::new_v4(),
        counselor: auth.counselor,
        name: name.as_str().to_owned(),
        public_key: key.as_str().to_owned(),
        added_at: now(),
        session: Some(auth.session),
    };
    let device = reception.store.add_device(&new).await?.ok_or_else(|| {
        AppError::new(
            StatusCode::CONFLICT,
            ErrorCode::TooManyDevices,
            format!("at most {MAX_DEVICES} devices: remove one under \"Meine Geräte\" first"),
        )
    })?;
    let status = if device.id == new.id {
        reception.devices_changed(auth.counselor).await;
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, AppJson(wire_device(&device))))
}

/// Remove a device: new chats are no longer wrapped for it, it can no longer send or fetch
/// keys, and its login there ends (as a logout: its sockets close), so nothing new reaches it.
#[utoipa::path(delete, path = "/api/me/devices/{id}", tag = "counselor",
    security(("session_token" = [])),
    params(("id" = Uuid, Path, description = "the device")),
    responses((status = 204, description = "removed"), (status = 404, body = ApiError)))]
pub async fn remove_device(
    State(reception): State<Arc<Reception>>,
    auth: CounselorAuth,
    AppPath(id): AppPath<Uuid>,
) -> AppResult<StatusCode> {
    let Some(session) = reception.store.remove_device(auth.counselor, id).await? else {
        return Err(AppError::not_found("device"));
    };
    if let Some(session) = session {
        let theirs = CounselorAuth {
            counselor: auth.counselor,
            session,
        };
        super::counselor::end_session(
            &reception,
            theirs,
            SwitchReason::Logout,
            SessionEndReason::LoggedOut,
        )
        .await?;
    }
    reception.devices_changed(auth.counselor).await;
    Ok(StatusCode::NO_CONTENT)
}

/// One of the counselor's conversations, or 404.
async fn own_chat(reception: &Reception, auth: &CounselorAuth, id: Uuid) -> AppResult<ChatRecord> {
    reception
        .store
        .chat(RequestId(id))
        .await?
        .filter(|chat| chat.counselor == Some(auth.counselor))
        .ok_or_else(|| AppError::not_found("conversation"))
}

fn key_outdated(newest: u32) -> AppError {
    AppError::new(
        StatusCode::CONFLICT,
        ErrorCode::KeyOutdated,
        format!("the chat's newest key is number {newest}: re-read its keys"),
    )
}

/// A new content key for a running chat (after a device was removed): from now on messages
/// are sealed with it, and a removed device, which never gets it, cannot open them.
#[utoipa::path(post, path = "/api/conversations/{id}/keys", tag = "counselor",
    security(("session_token" = [])), request_body = NewKey,
    params(("id" = Uuid, Path, description = "the conversation")),
    responses(
        (status = 204, description = "the chat's newest key now"),
        (status = 404, body = ApiError),
        (status = 409, body = ApiError, description = "`key_outdated` (not the newest plus 1), `devices_changed`, `conversation_ended`"),
        (status = 422, body = ApiError, description = "`key_invalid`"),
    ))]
pub async fn new_key(
    State(reception): State<Arc<Reception>>,
    auth: CounselorAuth,
    AppPath(id): AppPath<Uuid>,
    AppJson(body): AppJson<NewKey>,
) -> AppResult<StatusCode> {
    let chat = own_chat(&reception, &auth, id).await?;
    if chat.state != crate::store::ChatState::Chatting {
        return Err(AppError::new(
            StatusCode::CONFLICT,
            ErrorCode::ConversationEnded,
            "the conversation has ended; its keys stay as they are",
        ));
    }
    let newest = reception
        .store
        .chat_keys(chat.id, auth.counselor)
        .await?
        .iter()
        .map(|k| k.key)
        .max()
        .unwrap_or(0);
    if Some(body.key) != newest.checked_add(1) {
        return Err(key_outdated(newest));
    }
    let grant = Grant::parse(body.key, &body.asker, &body.devices)?;
    let devices = reception.store.devices(auth.counselor).await?;
    let keys = grant.records(chat.asker_key.clone().unwrap_or_default(), &devices)?;
    if reception
        .store
        .grant_keys(chat.id, auth.counselor, &keys)
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        // Another device made this key at the same moment: that one stays.
        Err(key_outdated(body.key))
    }
}

/// Give an existing content key of a conversation to a device of the counselor that lacks
/// it (one added after the key was made), wrapped by a device that holds it.
#[utoipa::path(post, path = "/api/conversations/{id}/keys/{key}/devices", tag = "counselor",
    security(("session_token" = [])), request_body = DeviceKey,
    params(("id" = Uuid, Path, description = "the conversation"),
        ("key" = u32, Path, description = "the key's number")),
    responses(
        (status = 204, description = "the device holds the key (also when it did before)"),
        (status = 404, body = ApiError, description = "no such conversation or key"),
        (status = 403, body = ApiError, description = "`unknown_device`"),
        (status = 422, body = ApiError, description = "`key_invalid`"),
    ))]
pub async fn give_key(
    State(reception): State<Arc<Reception>>,
    auth: CounselorAuth,
    AppPath((id, key)): AppPath<(Uuid, u32)>,
    AppJson(body): AppJson<DeviceKey>,
) -> AppResult<StatusCode> {
    let chat = own_chat(&reception, &auth, id).await?;
    let wrapped = WrappedKey::parse(&body.wrapped).map_err(|e| key_invalid("wrapped", e))?;
    let devices = reception.store.devices(auth.counselor).await?;
    let Some(device) = devices.iter().find(|d| d.id == body.device) else {
        return Err(super::unknown_device());
    };
    let known = reception.store.chat_keys(chat.id, auth.counselor).await?;
    if !known.iter().any(|k| k.key == key) {
        return Err(AppError::not_found("key"));
    }
    reception
        .store
        .add_key_reader(
            chat.id,
            auth.counselor,
            &KeyRecord {
                key,
                reader: Reader::Device(device.id),
                reader_key: device.public_key.clone(),
                wrapped: wrapped.as_str().to_owned(),
            },
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The keys of a chat as `reader` sees them.
async fn chat_keys(
    reception: &Reception,
    chat: &ChatRecord,
    reader: Reader,
) -> AppResult<ChatKeys> {
    let records = match chat.counselor {
        Some(counselor) => reception.store.chat_keys(chat.id, counselor).await?,
        None => Vec::new(),
    };
    let mut keys: Vec<ChatKey> = Vec::new();
    for record in &records {
        if keys.last().map(|k| k.key) != Some(record.key) {
            keys.push(ChatKey {
                key: record.key,
                wrapped: None,
                readers: Vec::new(),
            });
        }
        let Some(key) = keys.last_mut() else { continue };
        if record.reader == reader {
            key.wrapped = Some(record.wrapped.clone());
        }
        if let Reader::Device(device) = record.reader {
            key.readers.push(KeyReader {
                device,
                public_key: record.reader_key.clone(),
            });
        }
    }
    Ok(ChatKeys {
        conversation_id: chat.id.0,
        asker_key: chat.asker_key.clone().unwrap_or_default(),
        keys,
    })
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ForDevice {
    /// The device asking (one of the counselor's): its wrapped copies are returned.
    pub device: Uuid,
}

/// The content keys of one of the counselor's conversations, wrapped for one device.
#[utoipa::path(get, path = "/api/conversations/{id}/keys", tag = "counselor",
    security(("session_token" = [])),
    params(("id" = Uuid, Path, description = "the conversation"), ForDevice),
    responses(
        (status = 200, body = ChatKeys),
        (status = 404, body = ApiError),
        (status = 403, body = ApiError, description = "`unknown_device`"),
    ))]
pub async fn conversation_keys(
    State(reception): State<Arc<Reception>>,
    auth: CounselorAuth,
    AppPath(id): AppPath<Uuid>,
    AppQuery(query): AppQuery<ForDevice>,
) -> AppResult<AppJson<ChatKeys>> {
    let chat = own_chat(&reception, &auth, id).await?;
    let devices = reception.store.devices(auth.counselor).await?;
    if !devices.iter().any(|d| d.id == query.device) {
        return Err(super::unknown_device());
    }
    Ok(AppJson(
        chat_keys(&reception, &chat, Reader::Device(query.device)).await?,
    ))
}

/// The content keys of the asker's chat, wrapped for the asker (none until accepted).
#[utoipa::path(get, path = "/api/asker/keys", tag = "asker", security(("asker_token" = [])),
    responses((status = 200, body = ChatKeys), (status = 401, body = ApiError)))]
pub async fn asker_keys(
    State(reception): State<Arc<Reception>>,
    asker: AskerAuth,
) -> AppResult<AppJson<ChatKeys>> {
    // Fresh from the store: the asker's record may be from before the accept.
    let chat = reception
        .store
        .chat(asker.chat.id)
        .await?
        .unwrap_or(asker.chat);
    Ok(AppJson(chat_keys(&reception, &chat, Reader::Asker).await?))
}
