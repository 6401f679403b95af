// Which text explains a failure. Errors are told apart by their code only, never by message.
import type { Failure } from "../platform/http";
import { MAX_MESSAGE_CHARS } from "../lib/messages";
import type { ErrorCode } from "../wire/types";
import type { CommonMessages } from "./types";

/**
 * The text for a failure: `specific` texts for codes the caller expects first, then the
 * common ones, then a generic text. The server's own message is never shown as is.
 */
export function failureText(
  failure: Failure,
  common: CommonMessages,
  specific: Partial<Record<ErrorCode, string>> = {},
): string {
  if (failure.kind === "network") return common.errors.network;
  if (failure.kind === "protocol") return common.errors.protocol;
  const own = specific[failure.code];
  if (own) return own;
  switch (failure.code) {
    case "rate_limited":
      return common.errors.rate_limited;
    case "unavailable":
      return common.errors.unavailable;
    case "message_empty":
      return common.chat.empty;
    case "message_too_long":
      return common.chat.tooLong(MAX_MESSAGE_CHARS, 1);
    case "conversation_ended":
      return common.chat.ended;
    case "sealed_invalid":
    case "key_invalid":
    case "devices_changed":
    case "unknown_device":
    case "too_many_devices":
    case "device_name_invalid":
    case "no_key":
    case "key_outdated":
      return common.e2e.errors[failure.code];
    default:
      return common.errors.generic;
  }
}
