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

  function money(n) {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ".") + " đ";
  }
  function parseMoney(text) {
    const clean = String(text || "").replace(/[\s.]/g, "").replace(/đ$/i, "");
    if (!/^\d{1,13}$/.test(clean)) return null;
    const n = Number(clean);
    return Number.isSafeInteger(n) ? n : null;
  }

  // A date typed as dd/mm/yyyy (or ISO) → "yyyy-mm-dd", or null when it is not a real date.
  function isoDate(text) {
    const value = String(text || "").trim();
    let m = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(value);
    const [y, mo, d] = m ? [m[3], m[2], m[1]] : (m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value)) ? [m[1], m[2], m[3]] : [];
    if (!y) return null;
    const when = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
    const ok = when.getUTCFullYear() === Number(y) && when.getUTCMonth() === Number(mo) - 1 && when.getUTCDate() === Number(d);
    return ok ? `${y}-${mo}-${d}` : null;
  }
  const badDate = { message_vi: "Ngày phải có dạng dd/mm/yyyy", message_en: "The date must look like dd/mm/yyyy" };

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

  // Show a result (receipt or refusal) in a live region.
  function show(region, ok, body, okText) {
    region.hidden = false;
    region.className = "notice " + (ok ? "success" : "error");
    region.setAttribute("role", ok ? "status" : "alert");
    region.textContent = "";
    const head = document.createElement("p");
    const strong = document.createElement("strong");
    strong.textContent = ok ? okText : (lang() === "en" ? body.message_en : body.message_vi) || t("Lỗi không xác định", "Unknown error");
    head.appendChild(strong);
    region.appendChild(head);
    if (!ok && Array.isArray(body.problems) && body.problems.length) {
      const ul = document.createElement("ul");
      for (const p of body.problems) {
        const li = document.createElement("li");
        li.textContent = (lang() === "en" ? p.message_en : p.message_vi) + (p.field ? ` (${p.field})` : "");
        ul.appendChild(li);
      }
      region.appendChild(ul);
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
  async function signAndPost(url, spec, region, okText) {
    const who = officer();
    try {
      const key = await phucloiSign.loadKey(who);
      if (!key) {
        show(region, false, {
          message_vi: "Thiết bị này chưa có khóa ký của bạn. Hãy tạo khóa ở trang “Khóa ký” và nhờ quản trị viên đăng ký.",
          message_en: "This device has no signing key of yours. Make one on the “Signing key” page and have an administrator register it.",
        });
        return null;
      }
      const item = await phucloiSign.signCommand(who, spec);
      const res = await postJSON(url, item);
      show(region, res.ok, res.body, okText);
      return res;
    } catch (e) {
      show(region, false, { message_vi: "Không ký được: " + e.message, message_en: "Could not sign: " + e.message });
      return null;
    }
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
          const result = await MerkleCheck.check({
            leafIndex: Number(btn.dataset.leafIndex),
            treeSize: proof.tree_size,
            leafHash: btn.dataset.leafHash,
            path: proof.path,
            note: data.checkpoint.note,
            vkey: data.log_vkey,
          });
          if (result.inLog) {
            const row = btn.closest("tr");
            // the amount the member reads on the row, against what was signed
            const line = { ...((data.lines || {})[row.dataset.event] || {}), amount: Number(row.dataset.amount) };
            const where = t(
              `Có trong sổ: bút toán nằm ở vị trí ${Number(btn.dataset.leafIndex) + 1} trong cây ${result.size} bút toán, khớp điểm kiểm tra đã ký.`,
              `In the log: this entry is leaf ${Number(btn.dataset.leafIndex) + 1} of the ${result.size}-entry tree, matching the signed checkpoint.`);
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
            const differs = {
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
            }[content.reason];
            out.className = "check-result error";
            out.textContent = t("KHÔNG khớp: ", "Does NOT match: ") + differs;
          } else {
            const why = {
              size: t("kích thước cây không khớp điểm kiểm tra", "the tree size does not match the checkpoint"),
              signature: t("chữ ký của điểm kiểm tra không hợp lệ", "the checkpoint's signature does not verify"),
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

  // Lines that may come without their stored event: a union's entry holds other members'
  // lines (a dues batch, the reversal of one), so the page cannot open it.
  const UNION_WIDE = new Set(["collection.dues", "reversal.record"]);

  function signedAmount(content) {
    const amount = content.command && content.command.body ? content.command.body.amount : null;
    return Number.isSafeInteger(amount) ? amount.toLocaleString("vi-VN") : "?";
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
    let timer = null;
    let allowance = null;

    search.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const q = search.value.trim();
        results.textContent = "";
        if (q.length < 2) return;
        const res = await getJSON(`/web/finance/members?q=${encodeURIComponent(q)}`);
        if (!res.ok) return;
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
          b.textContent = `${m.member} — ${m.name || t("(không có tên)", "(no name)")} · ${m.unit}${m.status === "active" ? "" : " · " + m.status}`;
          b.addEventListener("click", () => {
            chosen.value = m.member;
            chosen.dataset.unit = m.unit;
            chosenText.textContent = b.textContent;
            results.textContent = "";
            refresh();
          });
          li.appendChild(b);
          results.appendChild(li);
        }
      }, 250);
    });

    async function refresh() {
      const member = chosen.value;
      const kind = $("#kind", root).value;
      const on = isoDate($("#effective_date", root).value);
      info.hidden = true;
      allowance = null;
      if (!member || !kind || !on) return;
      const res = await getJSON(`/web/finance/allowance?member=${encodeURIComponent(member)}&kind=${encodeURIComponent(kind)}&on=${encodeURIComponent(on)}`);
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

    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const amount = parseMoney($("#amount", root).value);
      if (!chosen.value) {
        show(region, false, { message_vi: "Hãy chọn đoàn viên", message_en: "Choose a member" });
        return;
      }
      if (amount === null || amount <= 0) {
        show(region, false, { message_vi: "Số tiền phải là số nguyên đồng lớn hơn 0", message_en: "The amount must be whole đồng above 0" });
        return;
      }
      const effectiveDate = isoDate($("#effective_date", root).value);
      if (!effectiveDate) {
        show(region, false, badDate);
        return;
      }
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
      const btn = $("button[type=submit]", form);
      btn.disabled = true;
      const res = await signAndPost("/web/finance/submit", spec, region,
        body.await_approval ? t("Đã ghi, đang chờ Chủ tịch duyệt.", "Recorded; waiting for the chair's approval.")
                            : t("Đã ghi khoản chi.", "The payout is recorded."));
      btn.disabled = false;
      if (res && res.ok) refresh();
    });
  }

  // --- a generic signed form: fields named body.X / personal.X -----------------------------------
  function signedForms(root) {
    for (const form of $$("form[data-sign]", root)) {
      form.addEventListener("submit", async (ev) => {
        ev.preventDefault();
        const region = document.getElementById(form.dataset.result);
        const body = {};
        const personal = {};
        for (const el of $$("[name]", form)) {
          const [where, key] = el.name.split(".");
          if (!key || el.value.trim() === "") continue;
          let value = el.value.trim();
          if (el.dataset.money !== undefined) {
            value = parseMoney(value);
            if (value === null) {
              show(region, false, {
                message_vi: `${el.labels[0].textContent}: phải là số nguyên đồng`,
                message_en: `${el.labels[0].textContent}: must be whole đồng`,
              });
              return;
            }
          }
          (where === "personal" ? personal : body)[key] = value;
        }
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
        const buttons = $$("button", form);
        buttons.forEach((b) => { b.disabled = true; });
        const res = await signAndPost(form.action, spec, region, form.dataset.ok || t("Đã ghi.", "Recorded."));
        buttons.forEach((b) => { b.disabled = false; });
        if (res && res.ok && form.dataset.after === "reload") {
          setTimeout(() => window.location.reload(), 800);
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

  // --- dues batch: sign the previewed batch -------------------------------------------------------
  function duesPage(root) {
    const btn = $("#dues-sign", root);
    if (!btn) return;
    btn.addEventListener("click", async () => {
      const batch = JSON.parse($("#dues-batch").textContent);
      btn.disabled = true;
      const res = await signAndPost("/web/finance/submit", {
        type: "collection.dues",
        unit: batch.unit,
        effectiveDate: batch.effective_date,
        body: { month: batch.month, lines: batch.lines },
      }, $("#dues-result", root), t(`Đã ghi lô đoàn phí ${batch.lines.length} dòng.`, `The dues batch of ${batch.lines.length} lines is recorded.`));
      if (!(res && res.ok)) btn.disabled = false;
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    const page = document.body.dataset.page || "";
    const root = document.body;
    if (page === "key") keyPage($("#key-page"));
    if (page === "member") memberPage(root);
    if (page === "payout") payoutPage(root);
    if (page === "dues") duesPage(root);
    signedForms(root);
  });

  window.phucloiWeb = { parseMoney, money, postJSON, isoDate };
})();
