// phucloi web pages: the little JavaScript that signing and proof checking need.
//
// Officers' commands are built and signed here (phucloi-sign.js: RFC 8785 canonical JSON,
// Ed25519 with a non-extractable key in IndexedDB) and posted as JSON with the page's CSRF
// token; the server verifies them exactly as it verifies the command line's. Money is read
// from the form as whole đồng ("1.500.000" or "1500000"); anything else is refused here and
// again by the ledger. Messages come back in Vietnamese and English; the page language wins.
"use strict";

(() => {
  const $ = (sel, root = document) => root.querySelector(sel);
  const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));
  const lang = () => (document.querySelector('meta[name="lang"]') || {}).content || "vi";
  const t = (vi, en) => (lang() === "en" ? en : vi);
  const csrf = () => document.querySelector('meta[name="csrf-token"]').content;

  const grouped = (n) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ".");
  function money(n) {
    return grouped(n) + " đ";
  }
  // Whole đồng as people type them, exactly as the ledger reads them
  // (ledger.domain.money.parse_dong): "1500000", "1.500.000", "1,500,000" or "1 500 000" (one
  // separator kind, in groups of three) and an optional trailing đ / ₫ / VND / VNĐ / đồng.
  // Decimals ("1500000.00", "1.5"), misplaced groups ("1.50.0000"), signs and anything else are
  // refused: {value} or {vi, en} naming the problem.
  const MAX_MONEY = 1e13;
  function readMoney(text) {
    const no = (vi, en) => ({ value: null, vi, en });
    let s = String(text == null ? "" : text).normalize("NFC").trim();
    s = s.replace(/\s*(?:đồng|đ|₫|vnđ|vnd)\s*$/iu, "");
    if (!s) return no("Số tiền trống", "The amount is empty");
    if (/^[-\u2212]/.test(s)) return no("Số tiền không được âm", "The amount must not be negative");
    s = s.replace(/[ \u00a0\u202f]/g, " ");
    if (/[^0-9., ]/.test(s)) {
      return no("Số tiền chứa ký tự không phải chữ số", "The amount contains characters that are not digits");
    }
    const seps = new Set(Array.from(s).filter((c) => c === "." || c === "," || c === " "));
    if (seps.size > 1) {
      return no("Số tiền có phần thập phân hoặc dấu phân cách lẫn lộn (đồng không có số lẻ)",
                "The amount has decimals or mixed separators (đồng has no fractions)");
    }
    let digits = s;
    if (seps.size === 1) {
      const sep = seps.values().next().value;
      const groups = s.split(sep);
      if (sep !== " " && groups.length === 2 && /^[0-9]+$/.test(groups[1]) && groups[1].length !== 3) {
        return no("Số tiền có phần thập phân (đồng không có số lẻ)", "The amount has decimals (đồng has no fractions)");
      }
      const [head, ...tail] = groups;
      if (!(/^[0-9]{1,3}$/.test(head) && tail.every((g) => /^[0-9]{3}$/.test(g)))) {
        return no("Số tiền nhóm chữ số sai (phải theo nhóm 3 chữ số, ví dụ 1.500.000)",
                  "The amount has misplaced digit-group separators (groups of three, e.g. 1.500.000)");
      }
      digits = groups.join("");
    }
    const n = Number(digits);
    if (!Number.isSafeInteger(n) || n > MAX_MONEY) {
      return no("Số tiền quá lớn", "The amount is too large");
    }
    return { value: n };
  }
  function parseMoney(text) {
    return readMoney(text).value;
  }

  // A date typed as dd/mm/yyyy, d/m/yyyy (as the command line's parse_day reads it) or ISO →
  // "yyyy-mm-dd", or null when it is not a real date.
  function isoDate(text) {
    const value = String(text || "").trim();
    const pad = (v) => v.padStart(2, "0");
    let m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(value);
    const [y, mo, d] = m ? [m[3], pad(m[2]), pad(m[1])] : (m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value)) ? [m[1], m[2], m[3]] : [];
    if (!y) return null;
    const when = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
    const ok = when.getUTCFullYear() === Number(y) && when.getUTCMonth() === Number(mo) - 1 && when.getUTCDate() === Number(d);
    return ok ? `${y}-${mo}-${d}` : null;
  }
  const badDate = { message_vi: "Ngày phải có dạng dd/mm/yyyy", message_en: "The date must look like dd/mm/yyyy" };

  // A month typed as mm/yyyy (or yyyy-mm) → "yyyy-mm", or null when it is not a month.
  function isoMonth(text) {
    const value = String(text || "").trim();
    const m = /^(\d{2})\/(\d{4})$/.exec(value) || /^(\d{4})-(\d{2})$/.exec(value);
    if (!m) return null;
    const [y, mo] = m[1].length === 4 ? [m[1], m[2]] : [m[2], m[1]];
    return Number(mo) >= 1 && Number(mo) <= 12 ? `${y}-${mo}` : null;
  }

  // An employer's name as the ledger compares it (ledger.domain.units.employer_key): case and
  // spacing ignored, accents not.
  const employerKey = (name) => String(name || "").normalize("NFC").toLowerCase().split(/\s+/).filter(Boolean).join(" ");

  // --- personal data, normalised exactly as ledger.client.normalise_personal does ---------------
  // Python's whitespace (str.isspace, and `\s` of its `re`): not JavaScript's (which has U+FEFF
  // and lacks U+001C-U+001F and U+0085), so a value is stripped and split the same way.
  const PY_SPACE = "\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
  const pyStrip = (v) => v.replace(new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, "g"), "");
  const SEPARATORS = new RegExp(`[${PY_SPACE}.\\-]`, "g");  // ledger.privacy._SEPARATORS
  // {value} or {vi, en} saying what is wrong, as ledger.privacy's normalize_* say it.
  function normalisePersonal(field, typed) {
    const text = String(typed == null ? "" : typed);
    if (field === "full_name") return { value: pyStrip(text.normalize("NFC")) };
    if (field === "citizen_id") {
      const digits = text.replace(SEPARATORS, "");
      return /^[0-9]+$/.test(digits) && (digits.length === 9 || digits.length === 12)
        ? { value: digits }
        : { vi: "số định danh phải gồm 12 chữ số (CCCD) hoặc 9 chữ số (CMND)",
            en: "must be 12 digits (CCCD) or 9 digits (CMND)" };
    }
    if (field === "household") {
      const squeezed = text.replace(new RegExp(`[${PY_SPACE}]+`, "g"), "").toUpperCase();
      const value = squeezed.replace(/[/.\-]/g, "");
      return /^[A-Z0-9/.\-]{1,40}$/.test(squeezed) && value
        ? { value }
        : { vi: "mã hộ gồm 1–40 chữ, số, '/', '.' hoặc '-'", en: "must be 1–40 letters, digits, '/', '.' or '-'" };
    }
    if (field === "bank_account") {  // "CODE:NUMBER", CODE one of ledger.banks' codes (a <select>)
      const at = text.indexOf(":");
      const bank = at < 0 ? text : text.slice(0, at);
      const digits = (at < 0 ? "" : text.slice(at + 1)).replace(SEPARATORS, "");
      if (!/^[A-Z0-9]+$/.test(bank)) return { vi: "chưa chọn ngân hàng", en: "no bank chosen" };
      return /^[0-9]+$/.test(digits) && digits.length >= 6 && digits.length <= 20
        ? { value: `${bank}:${digits}` }
        : { vi: "số tài khoản phải gồm 6-20 chữ số", en: "number must be 6-20 digits" };
    }
    return { value: pyStrip(text.normalize("NFC")) };
  }

  async function postJSON(url, data) {
    const res = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrf() },
      body: JSON.stringify(data),
    });
    let body = {};
    try { body = await res.json(); } catch (e) { body = {}; }
    return { ok: res.ok, status: res.status, body };
  }

  async function getJSON(url) {
    const res = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    let body = {};
    try { body = await res.json(); } catch (e) { body = {}; }
    return { ok: res.ok, status: res.status, body };
  }

  // ISO dates in a message → dd/mm/yyyy, as everywhere else on the pages.
  const dmy = (text) => String(text || "").replace(/\b(\d{4})-(\d{2})-(\d{2})\b/g, "$3/$2/$1");

  // The input a problem's field path names in `form`: the inputs' `name` (or `data-field`, a
  // list of paths) is that path; `command.` and `body.personal.` prefixes are the envelope's.
  function inputFor(form, field) {
    if (!form || !field) return null;
    const short = String(field).replace(/^command\./, "").replace(/^body\.personal\./, "personal.");
    for (const path of [String(field), short]) {
      const quoted = JSON.stringify(path);
      const el = form.querySelector(`[name=${quoted}], [data-field~=${quoted}]`);
      if (el) return el;
    }
    return null;
  }
  function labelText(el) {
    const label = el && el.labels && el.labels[0];
    return label ? label.textContent.trim() : null;
  }

  // Where a problem is, as the form says it: the input's label, the file's row of a dues line
  // (`rows` maps the batch's line index to the file's row), else no internal path at all.
  function whereOf(form, field, rows) {
    const line = /^body\.lines\[(\d+)\]\.(\w+)$/.exec(String(field || ""));
    if (line && rows) {
      const column = { member: t("mã đoàn viên", "member number"), salary_basis: t("lương đóng BHXH", "salary basis"), amount: t("đoàn phí", "dues") }[line[2]] || line[2];
      return t(`dòng ${rows[Number(line[1])]} của tệp, ${column}`, `row ${rows[Number(line[1])]} of the file, ${column}`);
    }
    const label = labelText(inputFor(form, field));
    if (label) return label;
    // A refusal about the entry a form acts on (a reversal's target, its unit) is said of
    // that entry: the entry id is not an input.
    if (form && form.dataset.entry && ENTRY_FIELDS.has(String(field || ""))) return form.dataset.entry;
    return null;
  }
  const ENTRY_FIELDS = new Set(["body.target", "unit"]);

  // Show a result (receipt or refusal) in a live region. `extra`: {form, rows, lines} —
  // lines are shown after the headline on success (what was recorded).
  function show(region, ok, body, okText, extra = {}) {
    const form = extra.form || region.closest("form");
    region.hidden = false;
    delete region.dataset.missingChoice;  // set again by the caller when that is the refusal
    region.className = "notice " + (ok ? "success" : "error");
    region.setAttribute("role", ok ? "status" : "alert");
    region.textContent = "";
    for (const el of $$("[aria-invalid]", form || document)) el.removeAttribute("aria-invalid");
    const head = document.createElement("p");
    const strong = document.createElement("strong");
    const problems = !ok && Array.isArray(body.problems) ? body.problems : [];
    let headline = (lang() === "en" ? body.message_en : body.message_vi) || t("Lỗi không xác định", "Unknown error");
    if (!ok && body.code === "invalid_command" && problems.length) {
      const aboutEntry = form && form.dataset.entry && problems.every((p) => ENTRY_FIELDS.has(String(p.field || "")) && !inputFor(form, p.field));
      headline = aboutEntry
        ? t("Chưa ghi: sổ không cho làm việc này với bút toán", "Not recorded: the ledger refuses this for the entry")
        : t("Chưa ghi: có thông tin cần sửa", "Not recorded: some fields need correcting");
    }
    // Spending held for the chair's signature (202): the server says it is not recorded yet.
    const held = ok && body.held;
    if (held) region.className = "notice warning";
    strong.textContent = held ? headline : ok ? okText : dmy(headline);
    head.appendChild(strong);
    region.appendChild(head);
    if (ok && Array.isArray(extra.lines)) {
      for (const text of extra.lines) {
        const p = document.createElement("p");
        p.textContent = text;
        region.appendChild(p);
      }
    }
    if (problems.length) {
      const ul = document.createElement("ul");
      for (const p of problems) {
        const li = document.createElement("li");
        const where = whereOf(form, p.field, extra.rows);
        li.textContent = (where ? where + ": " : "") + dmy(lang() === "en" ? p.message_en : p.message_vi);
        const input = inputFor(form, p.field);
        if (input) input.setAttribute("aria-invalid", "true");
        ul.appendChild(li);
      }
      region.appendChild(ul);
    }
    if (!ok && body.status === 401) {
      // The session ended: nothing was recorded and the form keeps what was typed.
      const p = document.createElement("p");
      const a = document.createElement("a");
      a.href = body.login || "/web/login";
      a.target = "_blank";
      a.rel = "noopener";
      a.textContent = t("Mở trang đăng nhập trong thẻ mới", "Open the login page in a new tab");
      p.append(t("Nội dung bạn đã nhập vẫn còn trên trang này. ", "What you typed is still on this page. "), a,
               t(", đăng nhập lại, rồi quay lại đây và bấm ký lại.", ", log in again, then come back here and sign again."));
      region.appendChild(p);
    }
    if (held && body.command_id) {
      const p = document.createElement("p");
      p.className = "muted";
      p.textContent = t("Mã lệnh: ", "Command id: ") + body.command_id;
      region.appendChild(p);
    }
    if (ok && body.event_id) {
      const p = document.createElement("p");
      p.className = "muted";
      p.textContent = t("Mã bút toán: ", "Entry id: ") + body.event_id;
      region.appendChild(p);
    }
    region.focus();
  }

  function officer() {
    return document.body.dataset.officer || (document.querySelector("[data-officer]") || {}).dataset?.officer;
  }

  // Sign `spec` ({type, unit, effectiveDate, body, personal}) as this officer and post it.
  async function signAndPost(url, spec, region, okText, extra = {}) {
    const who = officer();
    try {
      const key = await phucloiSign.loadKey(who);
      if (!key) {
        show(region, false, {
          message_vi: "Thiết bị này chưa có khóa ký của bạn. Hãy tạo khóa ở trang “Khóa ký” và nhờ quản trị viên đăng ký.",
          message_en: "This device has no signing key of yours. Make one on the “Signing key” page and have an administrator register it.",
        }, "", extra);
        return null;
      }
      const item = await phucloiSign.signCommand(who, spec);
      const res = await postJSON(url, item);
      show(region, res.ok, { ...res.body, status: res.status }, okText, extra);
      return res;
    } catch (e) {
      show(region, false, { message_vi: "Không ký được: " + (e.message_vi || e.message), message_en: "Could not sign: " + (e.message_en || e.message) }, "", extra);
      return null;
    }
  }

  // What a success message repeats of the signed command: the amount and the date.
  function recordedLines(amount, effectiveDate) {
    const on = dmy(effectiveDate);
    if (amount === undefined || amount === null) return [t(`Ngày: ${on}`, `Date: ${on}`)];
    return [t(`Số tiền đã ký: ${money(amount)}, ngày ${on}`, `Amount signed: ${money(amount)}, dated ${on}`)];
  }

  // After a success the form is locked (a second click would record the same money again);
  // "Ghi khoản khác" clears the amount and text fields and opens it again.
  function lockAfterSuccess(form, region, reset) {
    const fields = $$("input, select, textarea, button", form).filter((el) => !region.contains(el));
    fields.forEach((el) => { el.disabled = true; });
    const again = document.createElement("button");
    again.type = "button";
    again.className = "again";
    again.textContent = t("Ghi khoản khác", "Record another");
    again.addEventListener("click", () => {
      fields.forEach((el) => { el.disabled = false; });
      reset();
      region.hidden = true;
      region.textContent = "";
      const first = fields.find((el) => el.matches("input:not([type=hidden]), select"));
      if (first) first.focus();
    });
    const p = document.createElement("p");
    p.appendChild(again);
    region.appendChild(p);
  }

  // --- signing key page ------------------------------------------------------------------------
  async function keyPage(root) {
    const code = () => root.dataset.officer || ($("#key-officer", root) || {}).value || "";
    const out = $("#key-out", root);
    const registered = new Set((root.dataset.registered || "").split(" ").filter(Boolean));
    async function render(info) {
      $("#key-generate", root).hidden = Boolean(info);
      if (!info) {
        out.hidden = true;
        $("#key-none", root).hidden = false;
        return;
      }
      $("#key-none", root).hidden = true;
      out.hidden = false;
      $("#key-id", root).textContent = info.keyId;
      $("#key-public", root).textContent = info.publicKey;
      const c = code();
      $("#key-cmd-add", root).textContent = `phucloi officers add ${c} --name "…" --public-key ${info.publicKey} --as admin`;
      $("#key-cmd-rotate", root).textContent = `phucloi officers rotate-key ${c} --public-key ${info.publicKey} --as admin`;
      const status = $("#key-status", root);
      if (status) {
        status.textContent = registered.has(info.keyId)
          ? t("Khóa này đã được đăng ký: bạn có thể ký trên thiết bị này.", "This key is registered: you can sign on this device.")
          : t("Khóa này CHƯA được đăng ký: nhờ quản trị viên đăng ký trước khi ký.", "This key is NOT registered yet: ask an administrator to register it before signing.");
        status.className = "notice " + (registered.has(info.keyId) ? "success" : "warning");
      }
    }
    async function refresh() {
      const c = code();
      if (!c) return render(null);
      await render(await phucloiSign.loadKey(c));
    }
    $("#key-generate", root).addEventListener("click", async () => {
      const c = code();
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(c)) {
        show($("#key-msg", root), false, { message_vi: "Hãy nhập mã cán bộ hợp lệ", message_en: "Enter a valid officer code" });
        return;
      }
      await render(await phucloiSign.generateKey(c));
    });
    const replace = $("#key-replace", root);
    if (replace) {
      replace.addEventListener("click", async () => {
        const c = code();
        if (!window.confirm(t("Xóa khóa cũ trên thiết bị này và tạo khóa mới? Khóa mới phải được đăng ký lại.",
                              "Delete the old key on this device and make a new one? The new key must be registered again."))) return;
        await phucloiSign.forgetKey(c);
        await render(await phucloiSign.generateKey(c));
      });
    }
    const input = $("#key-officer", root);
    if (input) input.addEventListener("change", refresh);
    await refresh();
  }

  // --- member: check an entry in the log --------------------------------------------------------
  function memberPage(root) {
    const data = JSON.parse($("#log-data").textContent);
    for (const btn of $$("button[data-check]", root)) {
      btn.addEventListener("click", async () => {
        const out = document.getElementById(btn.getAttribute("aria-controls"));
        out.hidden = false;
        out.className = "check-result";
        out.textContent = t("Đang kiểm tra…", "Checking…");
        try {
          if (!data.checkpoint) {
            out.className = "check-result warning";
            out.textContent = t("Chưa có điểm kiểm tra (checkpoint) nào được công bố; chưa kiểm tra được.",
                                 "No checkpoint has been published yet; this cannot be checked yet.");
            return;
          }
          const proof = JSON.parse(btn.dataset.proof || "null");
          if (!proof) {
            out.className = "check-result warning";
            out.textContent = t("Bút toán này mới hơn điểm kiểm tra gần nhất; hãy kiểm tra lại sau khi có điểm kiểm tra mới.",
                                "This entry is newer than the latest checkpoint; check again after the next checkpoint.");
            return;
          }
          // the newest checkpoint the ledger publishes now, not only the one the page was
          // opened with: the proof is linked to it by a consistency proof, checked here
          let note = data.checkpoint.note;
          let stale = false;
          try {
            note = (await MerkleCheck.fetchLatest()) || note;
          } catch (e) {
            stale = true;
          }
          const result = await MerkleCheck.check({
            leafIndex: Number(btn.dataset.leafIndex),
            treeSize: proof.tree_size,
            leafHash: btn.dataset.leafHash,
            path: proof.path,
            note,
            vkey: data.log_vkey,
            // a proof for an older tree than the checkpoint's is linked to it by the server's
            // consistency proof, checked here
            consistency: MerkleCheck.fetchConsistency,
            // the checkpoint's cosignatures, checked as a saved receipt's are
            witnesses: data.witness_vkeys,
          });
          if (result.inLog) {
            const row = btn.closest("tr");
            // the amount the member reads on the row, against what was signed
            const line = { ...((data.lines || {})[row.dataset.event] || {}), amount: Number(row.dataset.amount) };
            const linked = result.from !== result.size ? t(
              ` (bằng chứng cho cây ${grouped(result.from)} bút toán, nối tới điểm kiểm tra bằng bằng chứng nhất quán)`,
              ` (a proof for the ${result.from}-entry tree, linked to the checkpoint by a consistency proof)`) : "";
            const newer = result.size > data.checkpoint.size ? t(
              ` Đã kiểm tra theo điểm kiểm tra mới nhất của sổ (${grouped(result.size)} bút toán), mới hơn lúc mở trang (${grouped(data.checkpoint.size)}).`,
              ` Checked against the log's newest checkpoint (${result.size} entries), newer than when the page was opened (${data.checkpoint.size}).`) : "";
            const old = stale ? t(
              " Không lấy được điểm kiểm tra mới nhất: đã kiểm tra theo điểm kiểm tra lúc mở trang.",
              " The newest checkpoint could not be fetched: checked against the one the page was opened with.") : "";
            const where = t(
              `Có trong sổ: bút toán nằm ở vị trí ${grouped(Number(btn.dataset.leafIndex) + 1)} trong cây ${grouped(result.size)} bút toán, khớp điểm kiểm tra đã ký${linked}.`,
              `In the log: this entry is leaf ${Number(btn.dataset.leafIndex) + 1} of the ${result.size}-entry tree, matching the signed checkpoint${linked}.`) + newer + old
              + witnessesText(result.witnesses, (data.witness_vkeys || []).length,
                              t("điểm kiểm tra này", "this checkpoint"));
            if (!line.event && !UNION_WIDE.has(line.command_type)) {
              out.className = "check-result error";
              out.textContent = t(
                "KHÔNG khớp: đây là bút toán của riêng bạn nhưng máy chủ không gửi nội dung đã ký của nó.",
                "Does NOT match: this is your own entry but the server did not send what was signed.");
              return;
            }
            if (!line.event) {
              out.className = "check-result success";
              out.textContent = where + " " + t(
                "Đây là bút toán chung của công đoàn (có cả số liệu của đoàn viên khác), nên trang này không mở nội dung của nó: số tiền của riêng bạn do Ủy ban kiểm tra đối chiếu khi kiểm tra sổ.",
                "This is a union-wide entry (it holds other members' lines too), so this page does not open it: your own amount in it is checked by the inspection committee when it verifies the ledger.");
              return;
            }
            const original = line.reversal_of ? (data.lines || {})[line.reversal_of] : undefined;
            const content = await MerkleCheck.checkContent(line.event, line, data.member, original);
            if (content.ok) {
              const signer = content.command.signer || {};
              out.className = "check-result success";
              out.textContent = where + " " + t(
                `Nội dung đã ký khớp dòng này: ngày, đơn vị, khoản, người nhận và số tiền (cán bộ ${signer.officer} ký). Trạng thái về sau (duyệt, đảo) là của các bút toán khác.`,
                `What was signed matches this line: date, union, kind, beneficiary and amount (signed by officer ${signer.officer}). A later status (approval, reversal) belongs to other entries.`);
              return;
            }
            const differs = differsText(content);
            out.className = "check-result error";
            out.textContent = t("KHÔNG khớp: ", "Does NOT match: ") + differs;
          } else {
            const why = {
              size: t("kích thước cây không khớp điểm kiểm tra; hãy tải lại trang để lấy bằng chứng theo điểm kiểm tra hiện tại",
                      "the tree size does not match the checkpoint; reload the page for a proof against the current checkpoint"),
              unavailable: t("không lấy được bằng chứng nhất quán với điểm kiểm tra hiện tại; hãy tải lại trang để lấy bằng chứng theo điểm kiểm tra hiện tại",
                             "the consistency proof to the current checkpoint could not be fetched; reload the page for a proof against the current checkpoint"),
              consistency: t("sổ đã ký hiện tại không nối tiếp cây mà bằng chứng của bút toán thuộc về (bằng chứng nhất quán không đúng)",
                             "the log signed now does not extend the tree this entry's proof is for (the consistency proof does not verify)"),
              signature: t("chữ ký của điểm kiểm tra không hợp lệ", "the checkpoint's signature does not verify"),
              cosignature: t(`chữ ký đồng ký của nhân chứng ${result.detail} trên điểm kiểm tra sai (giả mạo)`,
                             `the cosignature of witness ${result.detail} on the checkpoint is wrong (forged)`),
              proof: t("bằng chứng không đúng dạng", "the proof is malformed"),
              root: t("gốc cây tính được khác gốc đã ký", "the computed root differs from the signed root"),
            }[result.reason];
            out.className = "check-result error";
            out.textContent = t("KHÔNG xác minh được bút toán trong sổ: ", "NOT verified in the log: ") + why;
          }
        } catch (e) {
          out.className = "check-result error";
          out.textContent = t("Không kiểm tra được: ", "Could not check: ") + e.message;
        }
      });
    }
  }

  // Which witnesses cosigned a checkpoint, from MerkleCheck.checkCosignatures (the member's
  // Kiểm tra and a saved receipt's check say it the same way). `configured`: how many witness
  // keys the union trusts; `what`: the checkpoint, as the sentence names it.
  function witnessesText(witnesses, configured, what) {
    const witnessed = (witnesses || []).filter((w) => w.status === "verified").map((w) => w.name);
    const unknown = (witnesses || []).filter((w) => w.status === "unknown").map((w) => w.name);
    const wit = witnessed.length
      ? t(` Nhân chứng đã đồng ký (chữ ký đã kiểm tra): ${witnessed.join(", ")}.`, ` Cosigned by witnesses (signatures checked): ${witnessed.join(", ")}.`)
      : configured
        ? t(` Chưa có nhân chứng nào (theo khóa đã cấu hình) đồng ký ${what}.`, ` No witness (by the configured keys) cosigned ${what}.`)
        : t(" Chưa cấu hình khóa nhân chứng nào: chữ ký đồng ký không được kiểm tra theo khóa đã biết.",
            " No witness key is configured: cosignatures are not checked against a known key.");
    const unk = unknown.length ? t(` Chữ ký đồng ký không kiểm tra được (khóa lạ): ${unknown.join(", ")}.`,
                                   ` Cosignatures not checked (unknown keys): ${unknown.join(", ")}.`) : "";
    return wit + unk;
  }

  // --- anyone: check a saved receipt (audit/receipt.py says the same for the same receipt) -----
  function receiptMessage(v, configured) {
    if (v.ok) {
      const linked = v.size !== v.from ? t(
        `, và điểm kiểm tra mới nhất của sổ (${grouped(v.size)} bút toán) nối tiếp đúng cây đó (đã kiểm tra bằng chứng nhất quán)`,
        `, and the log's newest checkpoint (${v.size} entries) extends that tree (consistency proof checked)`)
        : t(", cũng là điểm kiểm tra mới nhất của sổ", ", which is also the log's newest checkpoint");
      const content = v.content === "union_wide" ? t(
        " Đây là bút toán chung của công đoàn (có số liệu của đoàn viên khác) nên biên nhận không kèm nội dung: số tiền của riêng bạn do Ủy ban kiểm tra đối chiếu.",
        " This is a union-wide entry (it holds other members' lines), so the receipt does not hold its content: your own amount is the inspection committee's check.")
        : t(` Nội dung đã ký khớp biên nhận: ngày, đơn vị, khoản, người nhận và số tiền (cán bộ ${((v.command || {}).signer || {}).officer} ký).`,
            ` What was signed matches the receipt: date, union, kind, beneficiary and amount (signed by officer ${((v.command || {}).signer || {}).officer}).`);
      return t(`Biên nhận HỢP LỆ: bút toán có trong sổ, trong cây ${grouped(v.from)} bút toán của điểm kiểm tra đã ký${linked}.`,
               `The receipt HOLDS: the entry is in the log, in the ${v.from}-entry tree of the signed checkpoint${linked}.`) + content
        + witnessesText(v.witnesses, configured, t("điểm kiểm tra của biên nhận", "the receipt's checkpoint"));
    }
    if (v.reason === "unavailable") {
      return t("CHƯA kiểm tra xong: ", "NOT fully checked: ") + (Number.isSafeInteger(v.retryAfter)
        ? t(`máy chủ đang giới hạn số lần hỏi từ địa chỉ này; hãy thử lại sau ${v.retryAfter} giây`,
            `the server is limiting requests from this address; try again in ${v.retryAfter} seconds`)
        : t("không lấy được điểm kiểm tra mới nhất hoặc bằng chứng nhất quán từ máy chủ; hãy thử lại", "the newest checkpoint or the consistency proof could not be fetched from the server; try again"));
    }
    // What does not hold is said in audit/receipt.py's words (RECEIPT_TEXTS, rendered into the
    // page), the very words `phucloi audit receipt` prints.
    const texts = receiptTexts();
    const pair = texts.reasons[v.reason];
    const why = pair ? fill(t(...pair), {
      field: v.field,
      detail: lang() === "en" ? v.detail : (v.vi || v.detail),
      witness: v.detail,
      differs: v.reason === "entry" ? receiptDiffers(v, texts) : "",
    }) : v.reason;
    return t(...texts.lead) + why;
  }

  let receiptTextsRead = null;
  function receiptTexts() {
    if (!receiptTextsRead) receiptTextsRead = JSON.parse($("#receipt-texts").textContent);
    return receiptTextsRead;
  }
  // "{name}" in a shared text replaced by values[name]
  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
  }

  function receiptPage(root) {
    const form = $("#receipt-form", root);
    if (!form) return;
    const keys = JSON.parse($("#receipt-keys").textContent);
    const area = $("#receipt-text", form);
    const out = $("#receipt-result", form);
    $("#receipt-file", form).addEventListener("change", async (ev) => {
      const file = ev.target.files && ev.target.files[0];
      if (file) area.value = await file.text();
    });
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const btn = $("#receipt-check", form);
      btn.disabled = true;
      out.hidden = false;
      out.className = "notice";
      out.removeAttribute("data-reason");
      out.textContent = t("Đang kiểm tra…", "Checking…");
      try {
        // read strictly, as `phucloi audit receipt` reads the file (MerkleCheck.readReceipt)
        const v = await MerkleCheck.checkReceiptText(area.value, {
          vkey: keys.log_vkey,
          witnesses: keys.witness_vkeys,
          latest: MerkleCheck.fetchLatest,
          consistency: MerkleCheck.fetchPublicConsistency,
        });
        out.dataset.reason = v.reason;
        if (v.detail) out.dataset.detail = v.detail; else out.removeAttribute("data-detail");
        out.className = v.ok ? "notice success" : v.reason === "unavailable" ? "notice warning" : "notice error";
        out.textContent = receiptMessage(v, (keys.witness_vkeys || []).length);
      } catch (e) {
        out.dataset.reason = "error";
        out.className = "notice error";
        out.textContent = t("Không kiểm tra được: ", "Could not check: ") + e.message;
      } finally {
        btn.disabled = false;
      }
    });
  }

  // What differs between a saved receipt's line and what was signed (checkReceipt's `detail`
  // of an "entry" verdict), said of the receipt: it is not a line shown on a page, and whoever
  // checks it need not be the member.
  function receiptDiffers(v, texts) {
    const line = v.line || {};
    const signed = v.undone || v.command || {};  // a reversal is checked against what it undoes
    const body = signed.body || {};
    let key = v.detail;
    let values = {};
    if (key === "amount") {
      if (Number.isSafeInteger(body.amount) && Number.isSafeInteger(line.amount)) {
        values = { signed: money(body.amount), receipt: money(Math.abs(line.amount)) };
      } else key = "amount_unsaid";
    } else if (key === "date") {
      if (typeof signed.effective_date === "string" && typeof line.effective_date === "string") {
        values = { signed: dmy(signed.effective_date), receipt: dmy(line.effective_date) };
      } else key = "date_unsaid";
    }
    const pair = texts.differs[key];
    return pair ? fill(t(...pair), values) : String(v.detail);
  }

  // What differs between a line and what was signed (MerkleCheck.checkContent's reason).
  function differsText(content) {
    return {
      event: t("biên nhận không kèm nội dung đã ký của bút toán riêng của bạn", "the receipt does not hold what was signed for your own entry"),
      leaf: t("nội dung gửi kèm không phải bút toán trong sổ", "the content sent is not the logged entry"),
      type: t("loại bút toán đã ký khác dòng hiển thị", "the signed entry is of another kind than the line shown"),
      member: t("bút toán đã ký không phải của bạn", "the signed entry is not yours"),
      amount: t(
        `số tiền đã ký là ${signedAmount(content)} đ, khác số tiền hiển thị`,
        `the signed amount is ${signedAmount(content)} đ, not the amount shown`),
      target: t("bút toán bị đảo đã ký khác dòng hiển thị, hoặc không kiểm tra được", "the signed reversal targets another entry, or that entry cannot be checked"),
      unit: t("đơn vị đã ký khác dòng hiển thị", "the signed union differs from the line shown"),
      date: t("ngày đã ký khác dòng hiển thị", "the signed date differs from the line shown"),
      kind: t("khoản đã ký khác dòng hiển thị", "the signed kind differs from the line shown"),
      relative: t("người nhận đã ký khác dòng hiển thị", "the signed beneficiary differs from the line shown"),
      form: t("hình thức (tiền, hiện vật) đã ký khác dòng hiển thị", "the signed form (cash, in kind) differs from the line shown"),
      occasion: t("dịp chi đã ký khác dòng hiển thị", "the signed occasion differs from the line shown"),
      loan: t("khoản vay đã ký khác dòng hiển thị", "the signed loan differs from the line shown"),
    }[content.reason] || content.reason;
  }

  // Lines that may come without their stored event: a union's entry holds other members'
  // lines (a dues batch, the reversal of one), so the page cannot open it.
  const UNION_WIDE = new Set(["collection.dues", "reversal.record"]);

  function signedAmount(content) {
    const amount = content.command && content.command.body ? content.command.body.amount : null;
    return Number.isSafeInteger(amount) ? amount.toLocaleString("vi-VN") : "?";
  }

  // --- finance officer: find a member by name or number -------------------------------------------
  // The search the payout and loan forms share (GET /web/finance/members: the officer's units
  // only): each result shows number, name, union and any status other than active, and
  // `onChoose(member, text)` gets the one clicked.
  function memberLookup(search, results, onChoose) {
    let timer = null;
    search.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const q = search.value.trim();
        results.textContent = "";
        if (q.length < 2) return;
        const res = await getJSON(`/web/finance/members?q=${encodeURIComponent(q)}`);
        if (!res.ok || q !== search.value.trim()) return;
        results.textContent = "";
        if (!res.body.members.length) {
          const li = document.createElement("li");
          li.textContent = t("Không tìm thấy đoàn viên", "No member found");
          results.appendChild(li);
        }
        for (const m of res.body.members) {
          const li = document.createElement("li");
          const b = document.createElement("button");
          b.type = "button";
          b.className = "choice";
          b.dataset.member = m.member;
          b.textContent = `${m.member} — ${m.name || (m.erased ? t("(đã xóa dữ liệu cá nhân)", "(personal data erased)") : t("(không có tên)", "(no name)"))} · ${m.unit}${m.status === "active" ? "" : " · " + (m.status_label || m.status)}`;
          b.addEventListener("click", () => {
            results.textContent = "";
            onChoose(m, b.textContent);
          });
          li.appendChild(b);
          results.appendChild(li);
        }
      }, 250);
    });
  }

  // --- finance officer: record a payout ----------------------------------------------------------
  function payoutPage(root) {
    const form = $("#payout-form", root);
    const search = $("#member-search", root);
    const results = $("#member-results", root);
    const chosen = $("#member", root);
    const chosenText = $("#member-chosen", root);
    const info = $("#allowance", root);
    const region = $("#payout-result", root);
    let allowance = null;

    memberLookup(search, results, (m, text) => {
      chosen.value = m.member;
      chosen.dataset.unit = m.unit;
      chosenText.textContent = text;
      // the refusal for want of a member is no longer true once one is chosen
      search.removeAttribute("aria-invalid");
      if (region.dataset.missingChoice === chosen.id) {
        delete region.dataset.missingChoice;
        region.hidden = true;
        region.textContent = "";
      }
      refresh();
    });

    async function refresh() {
      const member = chosen.value;
      const kind = $("#kind", root).value;
      const on = isoDate($("#effective_date", root).value);
      allowance = null;
      if (!member || !kind || !on) {
        info.hidden = true;
        return;
      }
      // The box stays where it is while the new figures load: hiding it moved the button up
      // under the pointer between its press and release, so the click that follows a changed
      // date or amount (the change fires as the field loses focus) was lost.
      info.setAttribute("aria-busy", "true");
      const res = await getJSON(`/web/finance/allowance?member=${encodeURIComponent(member)}&kind=${encodeURIComponent(kind)}&on=${encodeURIComponent(on)}`);
      info.removeAttribute("aria-busy");
      info.hidden = false;
      info.textContent = "";
      if (!res.ok) {
        info.className = "notice error";
        info.textContent = lang() === "en" ? res.body.message_en : res.body.message_vi;
        return;
      }
      allowance = res.body;
      info.className = "notice";
      const dl = document.createElement("dl");
      dl.className = "facts";
      const add = (k, v) => {
        const dt = document.createElement("dt"); dt.textContent = k;
        const dd = document.createElement("dd"); dd.textContent = v;
        dl.append(dt, dd);
      };
      for (const row of allowance.rows) add(lang() === "en" ? row.en : row.vi, row.value);
      info.appendChild(dl);
      const reasonInput = $("#reason", root);
      reasonInput.required = Boolean(allowance.requires_reason);
      reasonInput.setAttribute("aria-required", allowance.requires_reason ? "true" : "false");
      const amount = parseMoney($("#amount", root).value);
      if (amount !== null && allowance.approval_threshold !== null && amount > allowance.approval_threshold) {
        const p = document.createElement("p");
        p.id = "needs-chair";
        p.textContent = t("Số tiền trên ngưỡng duyệt: khoản chi sẽ chờ Chủ tịch ký duyệt.",
                          "Above the approval threshold: the payout will wait for the chair's signature.");
        info.appendChild(p);
      }
    }
    for (const id of ["#kind", "#effective_date", "#amount"]) $(id, root).addEventListener("change", refresh);

    let busy = false;
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      if (busy) return;
      const read = readMoney($("#amount", root).value);
      const amount = read.value;
      if (!chosen.value) {
        const said = `${labelText(search)}: ${chosen.dataset.missing}`;  // in the page's language
        show(region, false, { message_vi: said, message_en: said });
        search.setAttribute("aria-invalid", "true");
        region.dataset.missingChoice = chosen.id;
        search.focus();
        return;
      }
      if (amount === null || amount <= 0) {
        const label = labelText($("#amount", root));
        show(region, false, read.vi
          ? { message_vi: `${label}: ${read.vi}`, message_en: `${label}: ${read.en}` }
          : { message_vi: `${label}: phải lớn hơn 0`, message_en: `${label}: must be above 0` });
        $("#amount", root).setAttribute("aria-invalid", "true");
        return;
      }
      const effectiveDate = isoDate($("#effective_date", root).value);
      if (!effectiveDate) {
        show(region, false, badDate);
        return;
      }
      const btn = $("button[type=submit]", form);
      busy = true;
      btn.disabled = true;
      try {
        if (!allowance) await refresh();
        const body = {
          member: chosen.value,
          kind: $("#kind", root).value,
          amount,
          occasion: $("#occasion", root).value.trim(),
        };
        if (allowance && allowance.approval_threshold !== null && amount > allowance.approval_threshold) body.await_approval = true;
        const reason = $("#reason", root).value.trim();
        const spec = {
          type: "payout.record",
          unit: chosen.dataset.unit,
          effectiveDate,
          body,
          personal: reason ? { reason } : undefined,
        };
        const res = await signAndPost("/web/finance/submit", spec, region,
          body.await_approval ? t("Đã ghi, đang chờ Chủ tịch duyệt.", "Recorded; waiting for the chair's approval.")
                              : t("Đã ghi khoản chi.", "The payout is recorded."),
          { form, lines: recordedLines(amount, effectiveDate) });
        if (res && res.ok) {
          lockAfterSuccess(form, region, () => {
            for (const id of ["#amount", "#occasion", "#reason", "#member-search"]) $(id, root).value = "";
            chosen.value = "";
            chosenText.textContent = t("Chưa chọn đoàn viên", "No member chosen yet");
            info.hidden = true;
            allowance = null;
          });
          return;
        }
      } finally {
        busy = false;
      }
      btn.disabled = false;
    });
  }

  // --- finance officer: disburse a loan -----------------------------------------------------------
  // The borrower is found by name or number and shown with name and union before signing; the
  // union chosen follows the borrower's. Next to the amount: what the policy's loan rule
  // allows them on the date and what they owe (GET /web/finance/loan-allowance), and, as the
  // amount is typed, whether it is over the cap. The ledger still decides when it is signed
  // (a chair may allow a loan over the rule: the override's justification).
  function loanPage(root) {
    const form = $("#disburse-form", root);
    if (!form) return;
    const search = $("#disburse-member-search", form);
    const chosen = $("#disburse-member", form);
    const chosenText = $("#disburse-member-chosen", form);
    const info = $("#disburse-allowance", form);
    const over = $("#disburse-over-cap", form);
    const amountInput = form.elements["body.amount"];
    let allowance = null;
    let asked = 0;

    const prompt = () => {
      allowance = null;
      info.className = "notice";
      info.textContent = info.dataset.prompt;
      over.hidden = true;
      over.textContent = "";
    };
    memberLookup(search, $("#disburse-member-results", form), (m, text) => {
      chosen.value = m.member;
      chosenText.textContent = text;
      chosen.dispatchEvent(new Event("phucloi:chosen"));
      const unit = form.elements.unit;
      if (Array.from(unit.options).some((o) => o.value === m.unit) && unit.value !== m.unit) {
        unit.value = m.unit;
        unit.dispatchEvent(new Event("change"));
      }
      refresh();
    });
    // Typing another name after choosing: nothing is chosen until a result is clicked, so what
    // is signed is the borrower shown.
    search.addEventListener("input", () => {
      if (!chosen.value) return;
      chosen.value = "";
      chosenText.textContent = chosenText.dataset.chosen;
      prompt();
    });

    async function refresh() {
      const member = chosen.value;
      const on = isoDate(form.elements.effective_date.value);
      if (!member || !on) {
        prompt();
        return;
      }
      const mine = ++asked;
      info.setAttribute("aria-busy", "true");
      const res = await getJSON(`/web/finance/loan-allowance?member=${encodeURIComponent(member)}&on=${encodeURIComponent(on)}`);
      if (mine !== asked) return;
      info.removeAttribute("aria-busy");
      info.textContent = "";
      if (!res.ok) {
        allowance = null;
        info.className = "notice error";
        info.textContent = lang() === "en" ? res.body.message_en : res.body.message_vi;
        check();
        return;
      }
      allowance = res.body;
      info.className = "notice";
      const dl = document.createElement("dl");
      dl.className = "facts";
      for (const row of allowance.rows) {
        const dt = document.createElement("dt");
        dt.textContent = lang() === "en" ? row.en : row.vi;
        const dd = document.createElement("dd");
        dd.textContent = row.value;
        dl.append(dt, dd);
      }
      info.appendChild(dl);
      check();
    }

    // What the loan rule will refuse of the amount typed, said before anything is signed.
    function check() {
      const said = [];
      const amount = parseMoney(amountInput.value);
      const a = allowance;
      if (a && a.allowed === false) {
        said.push(t("Quy chế không cho đoàn viên này vay vào ngày này (xem ở trên): sổ sẽ từ chối.",
                    "The policy does not allow this member a loan on this date (see above): the ledger will refuse it."));
      } else if (a && a.allowed) {
        if (amount !== null && a.per_payout_cap !== null && amount > a.per_payout_cap) {
          said.push(t(`${money(amount)} vượt mức vay tối đa mỗi lần ${money(a.per_payout_cap)} của quy chế.`,
                      `${money(amount)} is over the policy's cap per loan of ${money(a.per_payout_cap)}.`));
        }
        if (amount !== null && a.per_year_cap !== null && a.used + amount > a.per_year_cap) {
          said.push(t(`Tổng vay trong kỳ ${money(a.used + amount)} vượt mức tối đa trong kỳ ${money(a.per_year_cap)} (đã vay ${money(a.used)}).`,
                      `The total lent in the window, ${money(a.used + amount)}, is over the period cap of ${money(a.per_year_cap)} (${money(a.used)} lent).`));
        }
        if (a.max_count !== null && a.used_count + 1 > a.max_count) {
          said.push(t(`Đã vay ${a.used_count} lần trong kỳ; tối đa ${a.max_count} lần.`,
                      `${a.used_count} loan(s) already in the window; at most ${a.max_count}.`));
        }
        if (said.length) {
          said.push(t("Sổ sẽ từ chối khoản vay này, trừ khi Chủ tịch cho phép vượt quy chế (ghi lý do vượt quy chế bên dưới; khoản vay sẽ chờ Chủ tịch ký).",
                      "The ledger will refuse this loan unless the chair allows it over the rule (give the reason below; the loan then waits for the chair's signature)."));
        }
      }
      over.textContent = said.join(" ");
      over.hidden = said.length === 0;
    }

    form.elements.effective_date.addEventListener("change", refresh);
    amountInput.addEventListener("input", check);
    amountInput.addEventListener("change", check);
    form.addEventListener("phucloi:reset", prompt);
  }

  // The browser's own bubble for a required or mistyped field speaks the browser's language:
  // say it in the page's (a field's data-missing, else its label and what is wrong).
  function validityMessage(el) {
    const label = labelText(el) || "";
    if (el.validity.valueMissing) return el.dataset.missing || t(`${label}: chưa nhập`, `${label}: required`);
    if (el.validity.patternMismatch) {
      return t(`${label}: phải có dạng ${el.placeholder}`, `${label}: must look like ${el.placeholder}`);
    }
    return "";
  }
  function pageValidity(form) {
    for (const el of $$("input, select, textarea", form)) {
      el.addEventListener("invalid", () => {
        el.setCustomValidity("");
        el.setCustomValidity(validityMessage(el));
      });
      el.addEventListener("input", () => el.setCustomValidity(""));
      el.addEventListener("change", () => el.setCustomValidity(""));
    }
  }

  // --- a generic signed form: fields named body.X / personal.X -----------------------------------
  function signedForms(root) {
    for (const form of $$("form[data-sign]", root)) {
      pageValidity(form);
      // Once the value is chosen (the page's search says so with "phucloi:chosen"), the
      // refusal for want of it is no longer true: it goes, rather than staying until the next
      // attempt. Any other refusal stays.
      for (const el of $$("input[type=hidden][data-choose]", form)) {
        el.addEventListener("phucloi:chosen", () => {
          const region = document.getElementById(form.dataset.result);
          document.getElementById(el.dataset.choose).removeAttribute("aria-invalid");
          if (!region || region.dataset.missingChoice !== el.id) return;
          delete region.dataset.missingChoice;
          region.hidden = true;
          region.textContent = "";
        });
      }
      let busy = false;
      form.addEventListener("submit", async (ev) => {
        ev.preventDefault();
        if (busy) return;
        const region = document.getElementById(form.dataset.result);
        // A value chosen from a search (the borrower) is a hidden input: say its search field
        // when nothing was chosen, rather than signing without it.
        for (const el of $$("input[type=hidden][data-choose]", form)) {
          if (el.value.trim()) continue;
          const search = document.getElementById(el.dataset.choose);
          const label = labelText(search);
          const said = `${label}: ${el.dataset.missing}`;  // already in the page's language
          show(region, false, { message_vi: said, message_en: said });
          search.setAttribute("aria-invalid", "true");  // after show(), which clears the marks
          region.dataset.missingChoice = el.id;
          search.focus();
          return;
        }
        const body = {};
        const personal = {};
        let refused = false;
        for (const el of $$("[name]", form)) {
          const [where, key] = el.name.split(".");
          if (!key || el.value.trim() === "") continue;
          let value = el.value.trim();
          if (where === "personal") {
            // As the command line signs it: a date of birth as yyyy-mm-dd, a bank account as
            // the <select>'s bank code and the number typed, the rest as normalise_personal.
            let read;
            if (el.dataset.date !== undefined) {
              const iso = isoDate(value);
              read = iso ? { value: iso } : { vi: "phải có dạng dd/mm/yyyy", en: "must look like dd/mm/yyyy" };
            } else {
              const bank = el.dataset.bank ? document.getElementById(el.dataset.bank).value : null;
              read = normalisePersonal(key, bank === null ? el.value : `${bank}:${el.value}`);
            }
            if (read.value === undefined || read.value === "") {
              const label = labelText(el);
              el.setAttribute("aria-invalid", "true");
              show(region, false, { message_vi: `${label}: ${read.vi || "không được để trống"}`,
                                    message_en: `${label}: ${read.en || "must not be empty"}` });
              refused = true;
              break;
            }
            personal[key] = read.value;
            continue;
          }
          if (el.dataset.money !== undefined) {
            const read = readMoney(value);
            const label = labelText(el);
            // data-zero: 0 đ is a value here (a salary basis, as `phucloi members` takes it)
            const least = el.dataset.zero !== undefined ? 0 : 1;
            if (read.value === null || read.value < least) {
              el.setAttribute("aria-invalid", "true");
              show(region, false, read.vi
                ? { message_vi: `${label}: ${read.vi}`, message_en: `${label}: ${read.en}` }
                : { message_vi: `${label}: phải lớn hơn 0`, message_en: `${label}: must be above 0` });
              return;
            }
            value = read.value;
          }
          if (el.dataset.int !== undefined) {
            // a whole number (a loan's term in months), signed as a JSON integer
            if (!/^[0-9]{1,6}$/.test(value)) {
              const label = labelText(el);
              el.setAttribute("aria-invalid", "true");
              show(region, false, { message_vi: `${label}: phải là số nguyên, ví dụ 12`,
                                    message_en: `${label}: must be a whole number, e.g. 12` });
              return;
            }
            value = Number(value);
            const most = el.dataset.max === undefined ? null : Number(el.dataset.max);
            if (most !== null && value > most) {
              const label = labelText(el);
              el.setAttribute("aria-invalid", "true");
              show(region, false, { message_vi: `${label}: phải từ 0 đến ${most}`,
                                    message_en: `${label}: must be from 0 to ${most}` });
              return;
            }
          }
          if (el.dataset.rate !== undefined) {
            // a percentage ("1", "1,5", "1.25%") signed in basis points, exact to 0,01%, as
            // `record fee-relief --rate` reads it (ledger/cli/record.py _rate_bp)
            const m = /^([0-9]{1,3})(?:[.,]([0-9]{1,2}))?$/.exec(value.replace(/%$/, "").trim());
            if (!m) {
              const label = labelText(el);
              el.setAttribute("aria-invalid", "true");
              show(region, false, { message_vi: `${label}: phải là phần trăm, ví dụ 1 hoặc 1,5`,
                                    message_en: `${label}: must be a percentage, e.g. 1 or 1.5` });
              return;
            }
            value = Number(m[1]) * 100 + Number(((m[2] || "") + "00").slice(0, 2));
          }
          if (el.dataset.known !== undefined) {
            // A name the unit never recorded a fee or a decision under (data-known: unit →
            // names) is most likely misspelt; signed only once the box says it is right.
            const unit = (form.elements.unit || {}).value || form.dataset.unit;
            const known = JSON.parse(el.dataset.known || "{}")[unit] || [];
            const box = el.dataset.confirm ? document.getElementById(el.dataset.confirm) : null;
            if (!known.some((k) => employerKey(k) === employerKey(value)) && !(box && box.checked)) {
              const label = labelText(el);
              const listed = known.length ? known.join("; ") : null;
              const tick = box ? labelText(box) : "";
              el.setAttribute("aria-invalid", "true");
              show(region, false, {
                message_vi: `${label}: đơn vị ${unit} chưa ghi kinh phí hay quyết định nào của “${value}”`
                  + (listed ? ` (đã ghi: ${listed})` : "") + `. Hãy kiểm tra lại tên, hoặc đánh dấu “${tick}” nếu tên đúng.`,
                message_en: `${label}: unit ${unit} has no fee or decision recorded for “${value}”`
                  + (listed ? ` (recorded: ${listed})` : "") + `. Check the name, or tick “${tick}” if it is right.`,
              });
              return;
            }
          }
          if (el.dataset.month !== undefined) {
            const month = isoMonth(value);
            if (month === null) {
              const label = labelText(el);
              el.setAttribute("aria-invalid", "true");
              show(region, false, { message_vi: `${label}: tháng phải có dạng mm/yyyy, ví dụ 03/2025`,
                                    message_en: `${label}: the month must look like mm/yyyy, e.g. 03/2025` });
              return;
            }
            value = month;
          }
          // data-wrap: the value is one field of an object (a chair's override: {justification})
          body[key] = el.dataset.wrap ? { [el.dataset.wrap]: value } : value;
        }
        if (refused) return;
        const typed = form.elements.effective_date;
        const effectiveDate = typed ? isoDate(typed.value) : form.dataset.date;
        if (!effectiveDate) {
          show(region, false, badDate);
          return;
        }
        const spec = {
          type: form.dataset.sign,
          unit: (form.elements.unit || {}).value || form.dataset.unit,
          effectiveDate,
          body: { ...JSON.parse(form.dataset.fixed || "{}"), ...body },
          personal: Object.keys(personal).length ? personal : undefined,
        };
        // The amount a success repeats: body.amount, or the field the form names (data-amount).
        const said = form.dataset.amount || "amount";
        const buttons = $$("button", form);
        busy = true;
        buttons.forEach((b) => { b.disabled = true; });
        let res = null;
        try {
          // a ticked box that tells the server something unsigned (data-query: the fee
          // decision's employer is new at the unit) is sent in the address
          const asked = $$("input[type=checkbox][data-query]", form).filter((b) => b.checked).map((b) => b.dataset.query);
          const url = asked.length ? `${form.action}${form.action.includes("?") ? "&" : "?"}${asked.join("&")}` : form.action;
          res = await signAndPost(url, spec, region, form.dataset.ok || t("Đã ghi.", "Recorded."),
            { form, lines: said in body ? recordedLines(body[said], effectiveDate) : undefined });
        } finally {
          busy = false;
        }
        if (res && res.ok && form.dataset.after === "reload") {
          setTimeout(() => window.location.reload(), 800);
          return;
        }
        buttons.forEach((b) => { b.disabled = false; });
        if (res && res.ok && form.dataset.after === "lock") {
          lockAfterSuccess(form, region, () => {
            for (const el of $$("input:not([data-keep]), textarea", form)) el.value = el.defaultValue;
            for (const el of $$("[data-chosen]", form)) el.textContent = el.dataset.chosen;
            form.dispatchEvent(new Event("phucloi:reset"));
          });
        }
      });
    }
    // Buttons that choose a value before submitting (approve / refuse, confirm / dismiss).
    for (const btn of $$("button[data-set]", root)) {
      btn.addEventListener("click", () => {
        const [name, value] = btn.dataset.set.split("=");
        btn.form.elements[name].value = value;
      });
    }
  }

  // --- spending above the approval threshold -----------------------------------------------------
  // The spending form says, for the unit chosen, above which amount the chair must sign.
  function expenseThreshold(root, hintId = "#expense-threshold", formId = "#expense-form") {
    const hint = $(hintId, root);
    const form = $(formId, root);
    if (!hint || !form) return;
    const thresholds = JSON.parse(hint.dataset.thresholds || "{}");
    const refresh = () => {
      const unit = form.elements.unit.value;
      const threshold = thresholds[unit];
      if (threshold === null || threshold === undefined) return;
      hint.textContent = hint.dataset.template.replace("{amount}", money(threshold)).replace("{unit}", unit);
    };
    form.elements.unit.addEventListener("change", refresh);
    refresh();
  }

  // --- the 2% union fee and remittances --------------------------------------------------------
  // The fee form says what the unit's policy for the payroll month makes due on the payroll
  // typed (the ledger refuses more: over_union_fee); the remittance form offers the chosen
  // unit's upper levels.
  function feesPage(root) {
    const hint = $("#fee-due", root);
    const fee = $("#fee-form", root);
    if (hint && fee) {
      // The ledger checks the fee against the policy in force on the payroll month's first
      // day, not today's: the server says what that policy makes due (GET /web/finance/fee-due).
      let asked = 0;
      const general = hint.textContent;
      const refresh = async () => {
        const unit = fee.elements.unit.value;
        const month = isoMonth(fee.elements["body.month"].value);
        const payroll = parseMoney(fee.elements["body.payroll"].value);
        const mine = ++asked;
        if (!unit || month === null || payroll === null) return;
        const res = await getJSON(`/web/finance/fee-due?unit=${encodeURIComponent(unit)}&month=${month}&payroll=${payroll}`);
        if (mine !== asked) return;
        if (!res.ok || res.body.due === null) {
          hint.textContent = general;
          return;
        }
        const rate = res.body.rate_bp;
        const pct = String(rate / 100).replace(".", lang() === "en" ? "." : ",") + "%";
        hint.textContent = hint.dataset.template.replace("{unit}", unit).replace("{month}", month.slice(5) + "/" + month.slice(0, 4))
          .replace("{on}", res.body.on).replace("{rate}", pct).replace("{amount}", money(res.body.due));
      };
      fee.elements.unit.addEventListener("change", refresh);
      fee.elements["body.month"].addEventListener("input", refresh);
      fee.elements["body.payroll"].addEventListener("input", refresh);
    }
    // The decision form: the chosen unit's employers offered, the rate asked only of a
    // reduction (a rate with another kind is refused by the ledger).
    const relief = $("#relief-form", root);
    if (relief) {
      const employer = relief.elements["body.employer"];
      const list = $("#relief-employers", root);
      const known = JSON.parse(employer.dataset.known || "{}");
      relief.elements.unit.addEventListener("change", () => {
        list.textContent = "";
        for (const name of known[relief.elements.unit.value] || []) {
          const option = document.createElement("option");
          option.value = name;
          list.appendChild(option);
        }
      });
      const kind = relief.elements["body.kind"];
      const rateField = $("#relief-rate-field", root);
      const rate = relief.elements["body.rate_bp"];
      const refresh = () => {
        const reduced = kind.value === "reduced";
        rateField.hidden = !reduced;
        rate.required = reduced;
        if (!reduced) rate.value = "";
      };
      kind.addEventListener("change", refresh);
      refresh();
    }
    const to = $("#remit-to", root);
    const remit = $("#remit-form", root);
    if (to && remit) {
      const uppers = JSON.parse(to.dataset.uppers || "{}");
      remit.elements.unit.addEventListener("change", () => {
        to.textContent = "";
        for (const u of uppers[remit.elements.unit.value] || []) {
          const option = document.createElement("option");
          option.value = u.code;
          option.textContent = `${u.code} — ${u.name}`;
          to.appendChild(option);
        }
      });
    }
  }

  // The chair cosigns the officer's held command in this browser (the same canonical bytes),
  // or refuses it with a note; the officer may withdraw it while it waits.
  function heldSpending(root) {
    for (const form of $$("form.cosign", root)) {
      let action = "cosign";
      for (const btn of $$("button[data-action]", form)) {
        btn.addEventListener("click", () => { action = btn.dataset.action; });
      }
      form.addEventListener("submit", async (ev) => {
        ev.preventDefault();
        const region = document.getElementById(form.dataset.result);
        const buttons = $$("button", form);
        if (buttons.some((b) => b.disabled)) return;
        buttons.forEach((b) => { b.disabled = true; });
        let res = null;
        try {
          if (action === "refuse") {
            res = await postJSON("/web/chair/refuse", { command_id: form.dataset.id, note: form.elements.note.value.trim() });
            show(region, res.ok, { ...res.body, status: res.status }, form.dataset.refused || t("Đã từ chối: khoản chi không được ghi vào sổ.", "Refused: the spending is not recorded."), { form });
          } else {
            const who = officer();
            const key = await phucloiSign.loadKey(who);
            if (!key) {
              show(region, false, {
                message_vi: "Thiết bị này chưa có khóa ký của bạn. Hãy tạo khóa ở trang “Khóa ký” và nhờ quản trị viên đăng ký.",
                message_en: "This device has no signing key of yours. Make one on the “Signing key” page and have an administrator register it.",
              }, "", { form });
            } else {
              const command = JSON.parse(document.getElementById(form.dataset.command).textContent);
              const signed = await phucloiSign.cosignCommand(who, { command });
              res = await postJSON("/web/chair/cosign", { command_id: form.dataset.id, cosignature: signed.cosignatures[0] });
              show(region, res.ok, { ...res.body, status: res.status }, form.dataset.ok || t("Đã ký duyệt, khoản chi đã được ghi vào sổ.", "Signed: the spending is recorded."),
                { form, lines: recordedLines(command.body.amount, command.effective_date) });
            }
          }
        } catch (e) {
          show(region, false, { message_vi: "Không ký được: " + (e.message_vi || e.message), message_en: "Could not sign: " + (e.message_en || e.message) }, "", { form });
        }
        if (res && res.ok) {
          setTimeout(() => window.location.reload(), 800);
          return;
        }
        buttons.forEach((b) => { b.disabled = false; });
      });
    }
    for (const form of $$("form.withdraw", root)) {
      form.addEventListener("submit", async (ev) => {
        ev.preventDefault();
        const btn = $("button", form);
        if (btn.disabled) return;
        btn.disabled = true;
        const region = document.getElementById(form.dataset.result);
        const res = await postJSON("/web/finance/withdraw", { command_id: form.dataset.id });
        // the server's answer names what was withdrawn (a loan is not "khoản chi")
        const said = lang() === "en" ? res.body.message_en : res.body.message_vi;
        show(region, res.ok, { ...res.body, status: res.status }, said || t("Đã rút lại.", "Withdrawn."), { form });
        if (res.ok) {
          setTimeout(() => window.location.reload(), 800);
          return;
        }
        btn.disabled = false;
      });
    }
  }

  // --- dues batch: sign the previewed batch -------------------------------------------------------
  function duesPage(root) {
    const btn = $("#dues-sign", root);
    if (!btn) return;
    btn.addEventListener("click", async () => {
      const batch = JSON.parse($("#dues-batch").textContent);
      btn.disabled = true;
      const total = batch.lines.reduce((sum, line) => sum + line.amount, 0);
      const res = await signAndPost("/web/finance/submit", {
        type: "collection.dues",
        unit: batch.unit,
        effectiveDate: batch.effective_date,
        body: { month: batch.month, lines: batch.lines },
      }, $("#dues-result", root), t(`Đã ghi lô đoàn phí ${batch.lines.length} dòng.`, `The dues batch of ${batch.lines.length} lines is recorded.`),
      { rows: batch.rows, lines: [t(`Tổng đoàn phí đã ký: ${money(total)}, ngày ${dmy(batch.effective_date)}`, `Total dues signed: ${money(total)}, dated ${dmy(batch.effective_date)}`)] });
      if (!(res && res.ok)) btn.disabled = false;
    });
  }

  // --- member: a dispute survives an ended session --------------------------------------------
  // What the member types is kept in this tab's sessionStorage until the dispute is recorded:
  // a post without a valid session goes to the login page and then back to this form, which
  // puts the words back. Recorded (/web/me?done=disputed), it is forgotten.
  const DISPUTE_KEY = "phucloi-dispute:";
  function disputePage(root) {
    const form = $("#dispute-form", root);
    if (!form) return;
    const key = DISPUTE_KEY + form.dataset.entry;
    const textArea = $("#text", form);
    const save = () => {
      const reason = (form.querySelector("input[name=reason]:checked") || {}).value || "";
      try { sessionStorage.setItem(key, JSON.stringify({ reason, text: textArea.value })); } catch (e) { /* storage off */ }
    };
    let kept = null;
    try { kept = JSON.parse(sessionStorage.getItem(key) || "null"); } catch (e) { kept = null; }
    if (kept && kept.text && !textArea.value) {
      textArea.value = kept.text;
      const radio = form.querySelector(`input[name=reason][value=${JSON.stringify(kept.reason || "other")}]`);
      if (radio) radio.checked = true;
      $("#dispute-restored").hidden = false;
    }
    form.addEventListener("input", save);
    form.addEventListener("change", save);
    form.addEventListener("submit", () => {
      save();
      const btn = $("button[type=submit]", form);
      setTimeout(() => { btn.disabled = true; }, 0);  // one post, not two
    });
  }
  function forgetDisputes() {
    if (!/[?&]done=disputed\b/.test(window.location.search)) return;
    try {
      for (const k of Object.keys(sessionStorage)) if (k.startsWith(DISPUTE_KEY)) sessionStorage.removeItem(k);
    } catch (e) { /* storage off */ }
  }

  // --- the language switch keeps what was typed ------------------------------------------------
  // The switch loads the page again in the other language. What was typed or chosen in the
  // page's forms (never a password, a file or a hidden field) is kept in this tab's
  // sessionStorage for the page the switch goes to, and put back once that page has loaded
  // (then forgotten), so a half-filled form is not lost; the payout form's chosen member too.
  const LANG_KEEP = "phucloi-lang-keep";
  const NOT_KEPT = new Set(["hidden", "password", "file", "submit", "button", "reset", "image"]);
  function fieldKey(f, el) {
    return el.id ? "#" + el.id : `${f}:${el.name}`;
  }
  function typedFields() {
    const fields = [];
    $$("form").forEach((form, f) => {
      for (const el of form.elements) {
        const type = String(el.type || "").toLowerCase();
        if ((!el.id && !el.name) || NOT_KEPT.has(type) || el.disabled) continue;
        if (type === "checkbox" || type === "radio") {
          if (el.checked !== el.defaultChecked) fields.push({ key: fieldKey(f, el), checked: el.checked });
        } else if (el.tagName === "SELECT") {
          if ([...el.options].some((o) => o.selected !== o.defaultSelected)) fields.push({ key: fieldKey(f, el), value: el.value });
        } else if (el.value !== el.defaultValue) {
          fields.push({ key: fieldKey(f, el), value: el.value });
        }
      }
    });
    const chosen = $("#member");
    const member = chosen && chosen.value
      ? { value: chosen.value, unit: chosen.dataset.unit || "", text: ($("#member-chosen") || {}).textContent || "" }
      : null;
    return { fields, member };
  }
  function keepTyped(link) {
    const target = new URL(link.href, window.location.href).searchParams.get("next") || "";
    const kept = typedFields();
    if (!kept.fields.length && !kept.member) return;
    try { sessionStorage.setItem(LANG_KEEP, JSON.stringify({ target, ...kept })); } catch (e) { /* storage off */ }
  }
  function restoreTyped() {
    let kept = null;
    try {
      kept = JSON.parse(sessionStorage.getItem(LANG_KEEP) || "null");
      sessionStorage.removeItem(LANG_KEEP);
    } catch (e) { kept = null; }
    if (!kept || kept.target !== window.location.pathname + window.location.search) return;
    const forms = $$("form");
    for (const field of kept.fields || []) {
      let el = null;
      if (field.key.startsWith("#")) {
        el = document.getElementById(field.key.slice(1));
      } else {
        const [f, name] = [Number(field.key.split(":")[0]), field.key.slice(field.key.indexOf(":") + 1)];
        el = forms[f] ? forms[f].elements.namedItem(name) : null;
      }
      if (!el || NOT_KEPT.has(String(el.type || "").toLowerCase()) || el instanceof RadioNodeList) continue;
      if ("checked" in field) el.checked = field.checked;
      else el.value = field.value;
      const details = el.closest("details");
      if (details) details.open = true;
      el.dispatchEvent(new Event("input", { bubbles: true }));
      el.dispatchEvent(new Event("change", { bubbles: true }));
    }
    const chosen = $("#member");
    if (kept.member && chosen && chosen.type === "hidden") {
      chosen.value = kept.member.value;
      chosen.dataset.unit = kept.member.unit;
      const text = $("#member-chosen");
      if (text) text.textContent = kept.member.text;
      const kind = $("#kind");
      if (kind) kind.dispatchEvent(new Event("change", { bubbles: true }));
    }
    // the dispute form's own keeping says the session ended: it did not, the language changed
    const restored = $("#dispute-restored");
    if (restored) restored.hidden = true;
  }

  document.addEventListener("DOMContentLoaded", () => {
    const page = document.body.dataset.page || "";
    const root = document.body;
    const switcher = $("#lang-switch");
    if (switcher) switcher.addEventListener("click", () => keepTyped(switcher));
    if (page === "key") keyPage($("#key-page"));
    if (page === "member") { memberPage(root); forgetDisputes(); }
    if (page === "dispute") disputePage(root);
    if (page === "receipt") receiptPage(root);
    if (page === "payout") payoutPage(root);
    loanPage(root);
    if (page === "dues") duesPage(root);
    signedForms(root);
    expenseThreshold(root);
    expenseThreshold(root, "#disburse-threshold", "#disburse-form");
    feesPage(root);
    heldSpending(root);
    restoreTyped();  // after the handlers, so the restored values update what depends on them
  });

  window.phucloiWeb = { parseMoney, readMoney, money, postJSON, isoDate, isoMonth, normalisePersonal };
})();
