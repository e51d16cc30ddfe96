// phucloi: sign commands in the browser exactly as the command line does.
//
// What is signed is the RFC 8785 (JCS) canonical JSON of the command, as UTF-8 bytes, with
// Ed25519 (WebCrypto). The private key is generated non-extractable and kept in this
// browser's IndexedDB: it never leaves the device. Personal fields travel as salted SHA-256
// commitments inside the signed body, with their openings beside the command.
"use strict";

const DB_NAME = "phucloi-keys";
const STORE = "keys";

// --- errors in the page's language -------------------------------------------------------
// A refusal of this file is said in the page's language (its meta "lang", as web.js reads it)
// and keeps both versions (message_vi, message_en) for a caller that chooses itself.
function signError(vi, en) {
  const meta = typeof document !== "undefined" ? document.querySelector('meta[name="lang"]') : null;
  const error = new Error((meta && meta.content) === "en" ? en : vi);
  error.message_vi = vi;
  error.message_en = en;
  return error;
}

// --- RFC 8785 canonical JSON ---------------------------------------------------------------
// Commands hold only strings, integers (money in đồng), booleans, null, arrays and objects.
// JCS serialises strings and integers as ECMAScript's JSON.stringify does, and sorts object
// keys by UTF-16 code units: JavaScript's default sort order. Non-integers are refused, as
// the ledger refuses them.
function canonicalize(value, path = "$") {
  if (value === null || typeof value === "boolean") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) {
      throw signError(`${path}: chỉ nhận số nguyên (đồng)`, `${path}: whole numbers only (đồng)`);
    }
    return JSON.stringify(value);
  }
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return "[" + value.map((v, i) => canonicalize(v, `${path}[${i}]`)).join(",") + "]";
  if (typeof value === "object") {
    const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort();
    return "{" + keys.map((k) => JSON.stringify(k) + ":" + canonicalize(value[k], `${path}.${k}`)).join(",") + "}";
  }
  throw signError(`${path}: kiểu dữ liệu không hợp lệ`, `${path}: a value of a type commands cannot hold`);
}

function canonicalBytes(value) {
  return new TextEncoder().encode(canonicalize(value));
}

// --- encodings -----------------------------------------------------------------------------
function b64(bytes) {
  let s = "";
  for (const b of new Uint8Array(bytes)) s += String.fromCharCode(b);
  return btoa(s);
}
function hex(bytes) {
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
}
async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
}

// --- keys ------------------------------------------------------------------------------------
function openDb() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}
async function idb(mode, fn) {
  const db = await openDb();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, mode);
    const req = fn(tx.objectStore(STORE));
    tx.oncomplete = () => resolve(req.result);
    tx.onerror = () => reject(tx.error);
  });
}

// The key id the ledger uses: the first 16 hex digits of SHA-256(raw 32-byte public key).
async function keyId(rawPublic) {
  return hex(await sha256(rawPublic)).slice(0, 16);
}

async function describe(pair) {
  const raw = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
  return { publicKey: b64(raw), keyId: await keyId(raw) };
}

// Make a new key for `officer` on this device (replacing none: an existing key is kept).
async function generateKey(officer) {
  const existing = await loadKey(officer);
  if (existing) return existing;
  const pair = await crypto.subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"]);
  await idb("readwrite", (s) => s.put(pair, officer));
  return { pair, ...(await describe(pair)) };
}

async function loadKey(officer) {
  const pair = await idb("readonly", (s) => s.get(officer));
  return pair ? { pair, ...(await describe(pair)) } : null;
}

async function forgetKey(officer) {
  await idb("readwrite", (s) => s.delete(officer));
}

// --- commands ------------------------------------------------------------------------------
function uuid4() {
  return crypto.randomUUID();
}

function isoNow() {
  return new Date().toISOString().replace(/\.\d{3}Z$/, "+00:00");
}

// Commitments for personal fields: hex(SHA-256(salt ‖ UTF-8 value)), 16 random salt bytes.
async function commitPersonal(fields) {
  const commitments = {};
  const openings = {};
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined || value === null || value === "") continue;
    const salt = crypto.getRandomValues(new Uint8Array(16));
    const text = new TextEncoder().encode(value);
    const joined = new Uint8Array(salt.length + text.length);
    joined.set(salt);
    joined.set(text, salt.length);
    commitments[name] = hex(await sha256(joined));
    openings[name] = { value, salt: b64(salt) };
  }
  return { commitments, openings };
}

// Every text of `value` in Unicode NFC, as ledger.client.nfc: Vietnamese typed decomposed
// ("Tết" as T, e, U+0302, U+0301) is signed composed, as the ledger requires.
function nfc(value) {
  if (typeof value === "string") return value.normalize("NFC");
  if (Array.isArray(value)) return value.map(nfc);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, nfc(v)]));
  }
  return value;
}

function noKey() {
  return signError("Chưa có khóa ký trên thiết bị này", "No signing key on this device yet");
}

// Build and sign a command: returns the item to POST ({command, signature, openings}).
async function signCommand(officer, { type, unit, effectiveDate, body, personal, commandId }) {
  const key = await loadKey(officer);
  if (!key) throw noKey();
  body = nfc({ ...body });
  personal = personal && nfc(personal);
  let openings = {};
  if (personal && Object.keys(personal).length) {
    const made = await commitPersonal(personal);
    if (Object.keys(made.commitments).length) {
      body.personal = { ...(body.personal || {}), ...made.commitments };
      openings = made.openings;
    }
  }
  const command = {
    schema: "phucloi/command/v1",
    type,
    command_id: commandId || uuid4(),
    effective_date: effectiveDate,
    signer: { officer, key_id: key.keyId },
    signed_at: isoNow(),
    body,
  };
  if (unit) command.unit = unit;
  const signature = await crypto.subtle.sign({ name: "Ed25519" }, key.pair.privateKey, canonicalBytes(command));
  const item = { command, signature: b64(signature), cosignatures: [] };
  if (Object.keys(openings).length) item.openings = openings;
  return item;
}

// A chair's second signature over the same canonical bytes.
async function cosignCommand(officer, item) {
  const key = await loadKey(officer);
  if (!key) throw noKey();
  const signature = await crypto.subtle.sign({ name: "Ed25519" }, key.pair.privateKey, canonicalBytes(item.command));
  return { ...item, cosignatures: [...(item.cosignatures || []), { officer, key_id: key.keyId, signature: b64(signature) }] };
}

// Sign an arbitrary canonical object (e.g. an approval's command) — same rules.
window.phucloiSign = { nfc, canonicalize, canonicalBytes, generateKey, loadKey, forgetKey, keyId, commitPersonal, signCommand, cosignCommand, sha256, hex, b64 };
