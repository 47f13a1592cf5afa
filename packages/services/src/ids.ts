// Ids made by the code rather than the database, where a row's id must be known before it is
// written (an organization's id is reserved in control with its slug before its region commits).
import { randomBytes } from "node:crypto";

/** A UUIDv7 (RFC 9562 §5.7): 48 bits of Unix milliseconds, then random bits, like uuid(7). */
export function uuidv7(now: number = Date.now()): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x70; // version 7
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80; // variant 10
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
