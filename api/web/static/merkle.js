// phucloi: check in the browser that an entry is in the ledger's Merkle log.
//
// RFC 9162 §2.1.3.2: from the entry's leaf hash and its inclusion proof, recompute the root
// of the tree of `treeSize` leaves (node = SHA-256(0x01 ‖ left ‖ right)) and compare it with
// the root written in the latest signed checkpoint (C2SP tlog-checkpoint note). The
// checkpoint's Ed25519 signature is checked against the log's public key (C2SP signed-note
// vkey), so a server cannot show a made-up root without also holding the log's key. Nothing
// here trusts the server's own "verified" flag: every hash is computed here with WebCrypto.
// A receipt saved earlier (its proof is for an older, smaller tree) is checked against a
// newer checkpoint through an RFC 9162 §2.1.4.2 consistency proof (GET /audit/consistency):
// the old root the receipt leads to must be a tree the signed new root extends.
"use strict";

const MerkleCheck = (() => {
  const te = new TextEncoder();

  function fromHex(hex) {
    if (!/^([0-9a-f]{2})*$/.test(hex)) throw new Error("bad hex");
    const out = new Uint8Array(hex.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
    return out;
  }
  // Canonical standard base64 only, as audit/note.py and audit/receipt.py read it: atob alone
  // also takes whitespace, missing padding and stray trailing bits, which Python refuses.
  const B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
  function fromB64(text) {
    if (typeof text !== "string" || !B64.test(text)) throw new Error("bad base64");
    const raw = atob(text);
    if (btoa(raw) !== text) throw new Error("base64 is not canonical");
    const out = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }
  function toHex(bytes) {
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }
  async function sha256(...parts) {
    const len = parts.reduce((n, p) => n + p.length, 0);
    const buf = new Uint8Array(len);
    let at = 0;
    for (const p of parts) { buf.set(p, at); at += p.length; }
    return new Uint8Array(await crypto.subtle.digest("SHA-256", buf));
  }
  function equal(a, b) {
    if (a.length !== b.length) return false;
    let diff = 0;
    for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
    return diff === 0;
  }

  // RFC 9162 §2.1.3.2, step by step. Returns the computed root, or null if the proof's shape
  // does not fit (index, size, path length).
  async function rootFromInclusion(leafIndex, treeSize, leafHash, path) {
    if (!(leafIndex >= 0 && leafIndex < treeSize) || leafHash.length !== 32) return null;
    let fn = leafIndex;
    let sn = treeSize - 1;
    let r = leafHash;
    const node = new Uint8Array([1]);
    for (const p of path) {
      if (p.length !== 32 || sn === 0) return null;
      if (fn % 2 === 1 || fn === sn) {
        r = await sha256(node, p, r);
        if (fn % 2 === 0) {
          while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
        }
      } else {
        r = await sha256(node, r, p);
      }
      fn = Math.floor(fn / 2);
      sn = Math.floor(sn / 2);
    }
    return sn === 0 ? r : null;
  }

  // RFC 9162 §2.1.4.2, as audit/merkle.py verify_consistency: whether `proof` shows that the
  // tree of `size2` leaves with `root2` extends the tree of `size1` leaves with `root1`.
  // Sizes may pass 2^32 (the log allows 2^40): halving is arithmetic, never a bit operator.
  async function verifyConsistency(size1, size2, root1, root2, proof) {
    if (!Number.isSafeInteger(size1) || !Number.isSafeInteger(size2)) return false;
    if (size1 < 1 || size1 > size2) return false;
    if (size1 === size2) return proof.length === 0 && equal(root1, root2);
    if (proof.length === 0 || root1.length !== 32 || root2.length !== 32) return false;
    if (proof.some((p) => p.length !== 32)) return false;
    const half = (n) => Math.floor(n / 2);
    let power = size1;
    while (power % 2 === 0) power = half(power);
    const path = power === 1 ? [root1, ...proof] : [...proof];
    let fn = size1 - 1;
    let sn = size2 - 1;
    while (fn % 2 === 1) { fn = half(fn); sn = half(sn); }
    let fr = path[0];
    let sr = path[0];
    const node = new Uint8Array([1]);
    for (const c of path.slice(1)) {
      if (sn === 0) return false;
      if (fn % 2 === 1 || fn === sn) {
        fr = await sha256(node, c, fr);
        sr = await sha256(node, c, sr);
        while (fn !== 0 && fn % 2 === 0) { fn = half(fn); sn = half(sn); }
      } else {
        sr = await sha256(node, sr, c);
      }
      fn = half(fn);
      sn = half(sn);
    }
    return sn === 0 && equal(fr, root1) && equal(sr, root2);
  }

  // The consistency proof between two tree sizes, from this server (GET /audit/consistency
  // as the member's page has it, /web/me/consistency under its session): only hashes, checked
  // above, so the server is not trusted for it.
  async function fetchConsistency(oldSize, newSize) {
    const answer = await fetch(`/web/me/consistency?old=${oldSize}&new=${newSize}`, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    if (!answer.ok) throw new Error(`HTTP ${answer.status}`);
    const body = await answer.json();
    if (body.old !== oldSize || body.new !== newSize || !Array.isArray(body.proof)) {
      throw new Error("unexpected answer");
    }
    return body.proof;
  }

  // A C2SP checkpoint note: "origin\nsize\nbase64(root)\n...\n\n— name base64(keyid‖sig)\n".
  function parseCheckpoint(note) {
    const split = note.lastIndexOf("\n\n");
    if (split < 0) throw new Error("checkpoint has no signatures");
    const text = note.slice(0, split + 1);
    const lines = text.split("\n");
    const size = Number(lines[1]);
    if (!Number.isSafeInteger(size) || String(size) !== lines[1]) throw new Error("bad size");
    const root = fromB64(lines[2]);
    if (root.length !== 32) throw new Error("bad root");
    const signatures = note.slice(split + 2).split("\n").filter(Boolean).map((line) => {
      const m = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
      if (!m) throw new Error("bad signature line");
      const blob = fromB64(m[2]);
      return { name: m[1], keyId: toHex(blob.slice(0, 4)), signature: blob.slice(4) };
    });
    return { origin: lines[0], size, root, text, signatures };
  }

  // C2SP vkey "name+keyid(hex, 8)+base64(0x01 ‖ Ed25519 public key)".
  async function checkSignature(checkpoint, vkey) {
    // The base64 key may itself contain "+": split at the first two only.
    const first = vkey.indexOf("+");
    const second = vkey.indexOf("+", first + 1);
    if (first < 1 || second < 0) return false;
    const name = vkey.slice(0, first);
    const keyId = vkey.slice(first + 1, second);
    const keyB64 = vkey.slice(second + 1);
    const material = fromB64(keyB64);
    if (material.length !== 33 || material[0] !== 1) return false;
    const expectedId = toHex(
      (await sha256(te.encode(name), new Uint8Array([0x0a, 0x01]), material.slice(1))).slice(0, 4)
    );
    if (expectedId !== keyId) return false;
    const sig = checkpoint.signatures.find((s) => s.name === name && s.keyId === keyId);
    if (!sig || sig.signature.length !== 64) return false;
    const key = await crypto.subtle.importKey("raw", material.slice(1), { name: "Ed25519" }, false, ["verify"]);
    return crypto.subtle.verify({ name: "Ed25519" }, key, sig.signature, te.encode(checkpoint.text));
  }

  // The whole check for one entry. Returns {inLog, reason, ...} — reason names the failed step.
  // A proof for an older tree than the checkpoint's (a saved receipt) needs `consistency`:
  // the consistency proof (hex hashes) from `treeSize` to the checkpoint's size, or a
  // function (oldSize, newSize) => Promise of it, such as fetchConsistency. Without it that is
  // "size"; a proof that cannot be had is "unavailable"; one that does not verify (the log
  // signed now does not extend the tree the receipt was for) is "consistency". `from` says
  // which tree the receipt's own proof was for.
  // `witnesses`: the witness vkeys the union trusts; each cosignature line of the checkpoint is
  // checked as a saved receipt's are (checkCosignatures): `witnesses` in the result says which
  // verified, and one under a trusted witness's name and key ID that does not is
  // "cosignature" (`detail`: the witness).
  async function check({ leafIndex, treeSize, leafHash, path, note, vkey, consistency, witnesses }) {
    const checkpoint = parseCheckpoint(note);
    const older = Number.isSafeInteger(treeSize) && treeSize < checkpoint.size;
    if (treeSize !== checkpoint.size && !(older && consistency)) return { inLog: false, reason: "size" };
    const signed = vkey ? await checkSignature(checkpoint, vkey) : false;
    if (!signed) return { inLog: false, reason: "signature" };
    const cosigned = await checkCosignatures(checkpoint, witnesses);
    const forged = cosigned.find((w) => w.status === "forged");
    if (forged) return { inLog: false, reason: "cosignature", detail: forged.name, witnesses: cosigned };
    const root = await rootFromInclusion(leafIndex, treeSize, fromHex(leafHash), path.map(fromHex));
    if (root === null) return { inLog: false, reason: "proof" };
    if (older) {
      let steps;
      try {
        steps = typeof consistency === "function" ? await consistency(treeSize, checkpoint.size) : consistency;
      } catch (e) {
        return { inLog: false, reason: "unavailable", detail: e.message };
      }
      let hashes;
      try {
        hashes = steps.map(fromHex);
      } catch (e) {
        return { inLog: false, reason: "consistency" };
      }
      if (!(await verifyConsistency(treeSize, checkpoint.size, root, checkpoint.root, hashes))) {
        return { inLog: false, reason: "consistency" };
      }
    } else if (!equal(root, checkpoint.root)) {
      return { inLog: false, reason: "root" };
    }
    return { inLog: true, reason: "ok", size: checkpoint.size, root: toHex(checkpoint.root), from: treeSize, witnesses: cosigned };
  }

  // ledger/leaf.py: "phucloi/leaf/v1\0" ‖ frame(topic) ‖ frame(originator id) ‖
  // u64be(version) ‖ frame(state), frame(x) = u32be(len(x)) ‖ x; leaf hash SHA-256(0x00 ‖ ·).
  function frame(bytes) {
    const out = new Uint8Array(4 + bytes.length);
    new DataView(out.buffer).setUint32(0, bytes.length);
    out.set(bytes, 4);
    return out;
  }
  async function leafHashOf(event) {
    const version = new Uint8Array(8);
    new DataView(version.buffer).setBigUint64(0, BigInt(event.version));
    return sha256(
      new Uint8Array([0]),
      te.encode("phucloi/leaf/v1\0"),
      frame(te.encode(event.topic)),
      frame(te.encode(event.originator_id)),
      version,
      frame(fromB64(event.state)),
    );
  }

  // What the stored event says was signed, against the line the page shows. Returns
  // {ok, reason, command}: reason names the first difference ("leaf": the event is not the
  // logged one; "type", "member", "unit", "date", "kind", "relative", "form", "occasion",
  // "loan", "amount", "target": the line differs from what was signed). A reversal signs
  // only the entry it undoes: its amount is checked against that entry's own stored event
  // (`original`, which must hash to the original line's leaf) as the negative of it.
  const LOAN_KEYS = { "loan.disburse": "disburse", "loan.repay": "repay", "loan.write_off": "write_off" };
  // As audit/receipt.py _signed: the state is UTF-8 (a BOM refused) JSON whose envelope's
  // command is the JSON text of an object; anything else is not the logged entry (null).
  const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  async function signed(event, leafHash) {
    if (toHex(await leafHashOf(event)) !== leafHash) return null;
    try {
      const text = JSON.parse(utf8.decode(fromB64(event.state))).envelope.command;
      if (typeof text !== "string") return null;
      const command = JSON.parse(text);
      return command !== null && typeof command === "object" && !Array.isArray(command) ? command : null;
    } catch (e) {
      return null;
    }
  }
  async function checkContent(event, line, member, original) {
    const command = await signed(event, line.leaf_hash);
    if (command === null) return { ok: false, reason: "leaf" };
    const body = command.body || {};
    const differs = (reason) => ({ ok: false, reason, command });
    if (command.type !== line.command_type) return differs("type");
    if (line.unit_code !== command.unit) return differs("unit");
    if (line.reversal_of) {
      // a reversal's line counts in the period of the entry it undoes, with its amount
      if (body.target !== line.reversal_of) return differs("target");
      const undone = original ? await signed(original.event, original.leaf_hash) : null;
      if (undone === null || undone.command_id !== line.reversal_of) return differs("target");
      // what was signed of the date and amount is the undone entry's (`undone`)
      if (line.effective_date !== undone.effective_date) return { ...differs("date"), undone };
      if ((undone.body || {}).amount !== -line.amount) return { ...differs("amount"), undone };
      return { ok: true, reason: "ok", command };
    }
    if (line.effective_date !== command.effective_date) return differs("date");
    if (body.member !== member) return differs("member");
    if (command.type === "payout.record") {
      if (body.kind !== line.key) return differs("kind");
      if ((body.relative ?? null) !== (line.relative ?? null)) return differs("relative");
      if ((body.form || "cash") !== (line.form || "cash")) return differs("form");
      if (body.occasion !== line.detail) return differs("occasion");
    } else if (LOAN_KEYS[command.type]) {
      if (LOAN_KEYS[command.type] !== line.key) return differs("kind");
      if (body.loan !== line.detail) return differs("loan");
    }
    if (body.amount !== Math.abs(line.amount)) return differs("amount");
    return { ok: true, reason: "ok", command };
  }

  // --- witnesses' cosignatures (c2sp.org/tlog-cosignature, Ed25519 cosignature/v1) -----------

  // A C2SP vkey "name+keyid+base64(type ‖ key)", its key ID checked; null if it is not one.
  async function parseVkey(vkey) {
    if (typeof vkey !== "string") return null;
    const first = vkey.indexOf("+");
    const second = vkey.indexOf("+", first + 1);
    if (first < 1 || second < 0) return null;
    const name = vkey.slice(0, first);
    const keyId = vkey.slice(first + 1, second);
    let material;
    try { material = fromB64(vkey.slice(second + 1)); } catch (e) { return null; }
    if (material.length !== 33) return null;
    const id = toHex((await sha256(te.encode(name), new Uint8Array([0x0a]), material)).slice(0, 4));
    if (id !== keyId.toLowerCase()) return null;
    return { name, keyId: id, type: material[0], key: material.slice(1) };
  }

  // Each cosignature line of a checkpoint (as audit/receipt.py cosignatures): "verified" with
  // a trusted witness key, "forged" when it names a trusted key (name and key ID) and does not
  // verify, "unknown" otherwise. The log's own line (a 64-byte signature) is not listed.
  async function checkCosignatures(checkpoint, witnessVkeys) {
    const trusted = {};
    for (const vkey of witnessVkeys || []) {
      const k = await parseVkey(vkey);
      if (k && k.type === 4) trusted[`${k.name} ${k.keyId}`] = k;
    }
    const out = [];
    for (const s of checkpoint.signatures) {
      if (s.signature.length !== 72) continue;
      const k = trusted[`${s.name} ${s.keyId}`];
      let status = "unknown";
      if (k) {
        const time = new DataView(s.signature.buffer, s.signature.byteOffset, 8).getBigUint64(0);
        let good = time <= 0x7fffffffffffffffn;
        if (good) {
          const message = te.encode(`cosignature/v1\ntime ${time}\n${checkpoint.text}`);
          const key = await crypto.subtle.importKey("raw", k.key, { name: "Ed25519" }, false, ["verify"]);
          good = await crypto.subtle.verify({ name: "Ed25519" }, key, s.signature.slice(8), message);
        }
        status = good ? "verified" : "forged";
      }
      out.push({ name: s.name, key_id: s.keyId, status });
    }
    return out;
  }

  // --- a saved receipt (audit/receipt.py: the same steps, the same reasons) ------------------

  const RECEIPT = "phucloi/receipt/v1";
  const UNION_WIDE = new Set(["collection.dues", "reversal.record"]);
  class ReceiptError extends Error {
    constructor(field, vi, en) { super(`${field}: ${en}`); this.field = field; this.vi = vi; this.en = en; }
  }
  const isInt = (v, least) => typeof v === "number" && Number.isSafeInteger(v) && v >= least;
  const isObj = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
  const HASH = /^[0-9a-f]{64}$/;
  function parseReceipt(data) {
    const no = (field, vi, en) => { throw new ReceiptError(field, vi, en); };
    const int = (v, where, least = 0) => (isInt(v, least) ? v : no(where, `phải là số nguyên ≥ ${least}`, `must be an integer ≥ ${least}`));
    const str = (v, where) => (typeof v === "string" ? v : no(where, "phải là chuỗi ký tự", "must be a string"));
    const hash = (v, where) => (typeof v === "string" && HASH.test(v) ? v
      : no(where, "phải là mã băm SHA-256 (64 chữ số hex thường)", "must be a SHA-256 hash (64 lower-case hex digits)"));
    const obj = (v, where) => (isObj(v) ? v : no(where, "phải là một đối tượng JSON", "must be a JSON object"));
    const event = (v, where) => {
      obj(v, where);
      str(v.topic, `${where}.topic`);
      str(v.originator_id, `${where}.originator_id`);
      int(v.version, `${where}.version`);
      str(v.state, `${where}.state`);
      try { fromB64(v.state); } catch (e) {
        no(`${where}.state`, "không phải base64 chuẩn (không khoảng trắng, đủ dấu =)", "is not canonical base64 (no whitespace, padded with =)");
      }
      return v;
    };
    obj(data, "receipt");
    if (data.receipt !== RECEIPT) no("receipt", `phải là '${RECEIPT}'`, `must be '${RECEIPT}'`);
    const member = str(data.member, "member");
    const line = obj(data.entry, "entry");
    str(line.event_id, "entry.event_id");
    str(line.command_type, "entry.command_type");
    int(line.amount, "entry.amount", -(10 ** 15));
    str(line.effective_date, "entry.effective_date");
    const ev = data.event == null ? null : event(data.event, "event");
    let original = null;
    if (data.original != null) {
      original = obj(data.original, "original");
      hash(original.leaf_hash, "original.leaf_hash");
      event(original.event, "original.event");
    }
    const leafIndex = int(data.leaf_index, "leaf_index");
    const leafHash = hash(data.leaf_hash, "leaf_hash");
    const proof = obj(data.proof, "proof");
    const treeSize = int(proof.tree_size, "proof.tree_size", 1);
    if (!Array.isArray(proof.path)) no("proof.path", "phải là một danh sách", "must be a list");
    const path = proof.path.map((h, i) => hash(h, `proof.path[${i}]`));
    const note = str(data.checkpoint, "checkpoint");
    return { member, line, event: ev, original, leafIndex, leafHash, treeSize, path, note };
  }

  // --- a receipt's text, read strictly (audit/receipt.py read_receipt: the same refusals) ---
  // JSON.parse takes `1.0` and `3e5` for integers (Python does not), keeps the last of a key
  // written twice (Python too, silently), and reads integers beyond 2^53 inexactly: the text
  // is walked token by token, in document order, and the first such field is named.
  const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
  const STRING = /"(?:[^"\\\u0000-\u001f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*"/y;
  const INTEGER = /^-?(?:0|[1-9][0-9]*)$/;
  function readReceipt(text) {
    const value = JSON.parse(text); // a SyntaxError: not JSON
    const no = (field, vi, en) => { throw new ReceiptError(field, vi, en); };
    const MAX = Number.MAX_SAFE_INTEGER;
    let at = 0;
    const ws = () => { while (at < text.length && " \t\n\r".includes(text[at])) at++; };
    const token = (re) => { re.lastIndex = at; const m = re.exec(text); at = re.lastIndex; return m[0]; };
    const string = (where) => {
      const s = JSON.parse(token(STRING));
      if (!s.isWellFormed()) {
        no(where, "có ký tự Unicode không hợp lệ (nửa cặp thay thế)", "holds an invalid Unicode character (a lone surrogate)");
      }
      return s;
    };
    function walk(where) {
      ws();
      const c = text[at];
      if (c === "{") {
        at++;
        ws();
        if (text[at] === "}") { at++; return; }
        const seen = new Set();
        for (;;) {
          ws();
          const keyAt = at;
          const key = JSON.parse(token(STRING));
          const field = where === "receipt" ? key : `${where}.${key}`;
          at = keyAt;
          string(field);
          if (seen.has(key)) no(field, "có hai lần trong cùng một đối tượng", "is written twice in one object");
          seen.add(key);
          ws();
          at++; // ":"
          walk(field);
          ws();
          if (text[at++] === "}") return; // else ","
        }
      }
      if (c === "[") {
        at++;
        ws();
        if (text[at] === "]") { at++; return; }
        for (let i = 0; ; i++) {
          walk(`${where}[${i}]`);
          ws();
          if (text[at++] === "]") return;
        }
      }
      if (c === '"') { string(where); return; }
      if (c === "t" || c === "n") { at += 4; return; }
      if (c === "f") { at += 5; return; }
      const n = token(NUMBER);
      if (!INTEGER.test(n) || !Number.isSafeInteger(Number(n))) {
        no(where, `phải là số nguyên viết không có phần thập phân hay số mũ, trong khoảng ±${MAX}`,
           `must be a whole number written without a fraction or exponent, within ±${MAX}`);
      }
    }
    walk("receipt");
    return value;
  }

  // The verdict on a receipt's text (checkReceipt after readReceipt): text that is not JSON,
  // or JSON the format refuses, is "malformed" naming the field.
  async function checkReceiptText(text, options) {
    let data;
    try {
      data = readReceipt(text);
    } catch (e) {
      if (e instanceof ReceiptError) return { ok: false, reason: "malformed", field: e.field, detail: e.en, vi: e.vi };
      return { ok: false, reason: "malformed", field: "receipt", detail: "is not JSON", vi: "không phải JSON" };
    }
    return checkReceipt(data, options);
  }

  // The checkpoint a note signs with the log key, or null.
  async function opened(note, vkey) {
    let cp;
    try { cp = parseCheckpoint(note); } catch (e) { return null; }
    try { return vkey && (await checkSignature(cp, vkey)) ? cp : null; } catch (e) { return null; }
  }

  // The verdict on a receipt (parsed JSON): {ok, reason, detail, field, size, from, content,
  // witnesses}. `latest()` gives the ledger's newest checkpoint note, `consistency(old, new)`
  // the consistency proof (hex hashes) between two sizes; both are checked here, and one that
  // cannot be had is "unavailable".
  async function checkReceipt(data, { vkey, witnesses, latest, consistency }) {
    let r;
    try {
      r = parseReceipt(data);
    } catch (e) {
      if (e instanceof ReceiptError) return { ok: false, reason: "malformed", field: e.field, detail: e.en, vi: e.vi };
      throw e;
    }
    const verdict = { ok: false, reason: "entry", from: r.treeSize, witnesses: [] };
    // 1. the entry
    if (r.event === null) {
      if (!UNION_WIDE.has(r.line.command_type)) return { ...verdict, detail: "event" };
      verdict.content = "union_wide";
    } else {
      const line = { ...r.line, leaf_hash: r.leafHash };
      const content = await checkContent(r.event, line, r.member, r.original);
      if (!content.ok) return { ...verdict, detail: content.reason, command: content.command, undone: content.undone, line: r.line };
      verdict.content = "ok";
      verdict.command = content.command;
    }
    // 2. the receipt's checkpoint signature; 3. its cosignatures
    const checkpoint = await opened(r.note, vkey);
    if (checkpoint === null) return { ...verdict, reason: "signature" };
    verdict.witnesses = await checkCosignatures(checkpoint, witnesses);
    let forged = verdict.witnesses.find((w) => w.status === "forged");
    if (forged) return { ...verdict, reason: "cosignature", detail: forged.name };
    // 4. the inclusion proof
    const root = r.treeSize === checkpoint.size
      ? await rootFromInclusion(r.leafIndex, r.treeSize, fromHex(r.leafHash), r.path.map(fromHex))
      : null;
    if (root === null || !equal(root, checkpoint.root)) return { ...verdict, reason: "proof" };
    // 5. the newest checkpoint extends the receipt's tree
    let note;
    try {
      note = await latest();
    } catch (e) {
      return { ...verdict, reason: "unavailable", detail: e.message, retryAfter: e.retryAfter };
    }
    if (note == null) return { ...verdict, reason: "rewritten" };
    const newest = await opened(note, vkey);
    if (newest === null) return { ...verdict, reason: "latest_signature" };
    forged = (await checkCosignatures(newest, witnesses)).find((w) => w.status === "forged");
    if (forged) return { ...verdict, reason: "cosignature", detail: forged.name };
    verdict.size = newest.size;
    if (newest.size < checkpoint.size) return { ...verdict, reason: "rewritten" };
    let hashes = [];
    if (newest.size > checkpoint.size) {
      try {
        hashes = await consistency(checkpoint.size, newest.size);
      } catch (e) {
        return { ...verdict, reason: "unavailable", detail: e.message, retryAfter: e.retryAfter };
      }
      try { hashes = hashes.map(fromHex); } catch (e) { return { ...verdict, reason: "rewritten" }; }
    }
    if (!(await verifyConsistency(checkpoint.size, newest.size, checkpoint.root, newest.root, hashes))) {
      return { ...verdict, reason: "rewritten" };
    }
    return { ...verdict, ok: true, reason: "ok" };
  }

  // The newest checkpoint note, as published (GET /web/receipt/checkpoint, no login needed).
  // A refused fetch: `retryAfter` (seconds) when the server limits this address (429).
  function refused(answer) {
    const error = new Error(`HTTP ${answer.status}`);
    const wait = Number(answer.headers.get("Retry-After"));
    if (answer.status === 429 && Number.isSafeInteger(wait)) error.retryAfter = wait;
    return error;
  }
  async function fetchLatest() {
    const answer = await fetch("/web/receipt/checkpoint", { credentials: "same-origin", headers: { Accept: "text/plain" } });
    if (answer.status === 404) return null;
    if (!answer.ok) throw refused(answer);
    return answer.text();
  }
  // The consistency proof between two sizes, as published (GET /web/receipt/consistency).
  async function fetchPublicConsistency(oldSize, newSize) {
    const answer = await fetch(`/web/receipt/consistency?old=${oldSize}&new=${newSize}`, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    if (!answer.ok) throw refused(answer);
    const body = await answer.json();
    if (body.old !== oldSize || body.new !== newSize || !Array.isArray(body.proof)) {
      throw new Error("unexpected answer");
    }
    return body.proof;
  }

  return {
    check, checkContent, leafHashOf, rootFromInclusion, verifyConsistency, fetchConsistency,
    parseCheckpoint, checkSignature, fromHex, toHex, checkCosignatures, parseReceipt,
    checkReceipt, checkReceiptText, readReceipt, fetchLatest, fetchPublicConsistency,
  };
})();
window.MerkleCheck = MerkleCheck;
