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
  function fromB64(text) {
    const raw = atob(text);
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
  async function check({ leafIndex, treeSize, leafHash, path, note, vkey, consistency }) {
    const checkpoint = parseCheckpoint(note);
    const older = Number.isSafeInteger(treeSize) && treeSize < checkpoint.size;
    if (treeSize !== checkpoint.size && !(older && consistency)) return { inLog: false, reason: "size" };
    const signed = vkey ? await checkSignature(checkpoint, vkey) : false;
    if (!signed) return { inLog: false, reason: "signature" };
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
    return { inLog: true, reason: "ok", size: checkpoint.size, root: toHex(checkpoint.root), from: treeSize };
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
  async function signed(event, leafHash) {
    if (toHex(await leafHashOf(event)) !== leafHash) return null;
    const state = JSON.parse(new TextDecoder().decode(fromB64(event.state)));
    return JSON.parse(state.envelope.command);
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
      if (line.effective_date !== undone.effective_date) return differs("date");
      if ((undone.body || {}).amount !== -line.amount) return differs("amount");
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

  return {
    check, checkContent, leafHashOf, rootFromInclusion, verifyConsistency, fetchConsistency,
    parseCheckpoint, checkSignature, fromHex, toHex,
  };
})();
window.MerkleCheck = MerkleCheck;
