"""The name of every check code `audit verify` and a witness can give, in Vietnamese and English.

One table, read wherever a code is shown to a person: the inspectors' web page (the last
verification run's errors, the detection findings built from them), `phucloi audit verify`'s
text output and `phucloi audit witness`'s refusals. A code stays the stable key (in `--json`
and in stored runs); the name says what it means to an inspector who does not read code.

Invariants:
- `CHECKS` names every `Finding.check` the verifier (audit.verify, audit.replay, audit.scan,
  audit.projections) can emit; `REFUSALS` every `WitnessRefusal.code` (audit.witness) and
  `LogError.code` (audit.log), the refusals of `audit witness` and `audit checkpoint`.
  tests/unit/test_check_names.py finds the codes in the source and holds the
  tables equal to them, so a new check without a name (or a name left for a check that is
  gone) fails the tests.
- A name has no parentheses (it is written inside them) and no " — " (it follows one).
- An unknown code (a run recorded by another version) is shown as itself, never an error.
"""

from __future__ import annotations

from typing import Final

# check code -> (Vietnamese name, English name)
CHECKS: Final[dict[str, tuple[str, str]]] = {
    # the log: entries, leaves, order
    "log.seq_gap": ("thiếu hoặc lặp số thứ tự sổ cái", "missing or repeated log sequence number"),
    "log.order": ("bút toán lưu sai thứ tự", "events stored out of order"),
    "log.versions": ("phiên bản đối tượng không liên tục", "aggregate versions not contiguous"),
    "log.recorded_order": (
        "thời điểm ghi lùi, có thể chèn lùi ngày",
        "recorded time goes backwards",
    ),
    "log.event_missing": ("bút toán đã lưu bị mất", "stored event missing"),
    "log.entry_mismatch": (
        "mục sổ cái khác bút toán đã lưu",
        "ledger entry differs from the stored event",
    ),
    "log.leaf_mismatch": ("bút toán bị sửa sau khi ghi", "event changed after it was logged"),
    "log.unlogged_event": ("bút toán nằm ngoài sổ cái", "stored event outside the log"),
    "event.undecodable": ("bút toán không đọc được", "stored event cannot be read"),
    "event.digest": ("mã băm lệnh không khớp", "command digest does not match"),
    "registry.replay": ("không phát lại được vào sổ đăng ký khóa", "key registry replay failed"),
    # signatures and authority
    "signature.invalid": ("chữ ký không hợp lệ", "signature does not verify"),
    "signature.type": ("loại lệnh không xác định", "unknown command type"),
    "signature.officer": (
        "người ký không phải cán bộ đã đăng ký",
        "signer is not a registered officer",
    ),
    "signature.time": ("thời điểm ghi không đọc được", "recorded time cannot be read"),
    "signature.key": ("khóa ký không còn hiệu lực", "signing key not valid at that time"),
    "signature.role": ("người ký không có thẩm quyền", "signer held no role for the command"),
    "signature.genesis": ("bút toán khởi tạo sai", "genesis event not valid"),
    "signature.revoked": (
        "ký bằng khóa đã bị thu hồi từ trước",
        "signed with a key revoked from an earlier date",
    ),
    "cosignature.officer": (
        "người ký thứ hai không phải cán bộ đã đăng ký",
        "second signer is not a registered officer",
    ),
    "cosignature.key": (
        "khóa của người ký thứ hai không còn hiệu lực",
        "second signer's key not valid",
    ),
    "cosignature.invalid": ("chữ ký thứ hai không hợp lệ", "second signature does not verify"),
    "cosignature.same_officer": (
        "người lập tự ký duyệt",
        "maker and checker are the same officer",
    ),
    "cosignature.role": ("người ký thứ hai không phải Chủ tịch", "second signer is not the chair"),
    "payout.second_signature": (
        "khoản chi thiếu chữ ký của Chủ tịch",
        "payout without the chair's second signature",
    ),
    "loan.second_signature": (
        "khoản vay thiếu chữ ký của Chủ tịch",
        "loan without the chair's second signature",
    ),
    "expense.second_signature": (
        "khoản chi hoạt động thiếu chữ ký của Chủ tịch",
        "expense without the chair's second signature",
    ),
    "fee_relief.second_signature": (
        "quyết định miễn, tạm dừng, giảm kinh phí công đoàn hoặc việc đảo nó thiếu chữ ký của "
        "Chủ tịch",
        "union fee decision or its reversal without the chair's second signature",
    ),
    "approval.target": ("phê duyệt một khoản chi không tồn tại", "approval of no recorded payout"),
    "approval.same_officer": ("người lập tự phê duyệt", "maker approved their own payout"),
    "approval.digest": (
        "phê duyệt nội dung khác khoản chi",
        "approval of other bytes than the payout's",
    ),
    # checkpoints and witnesses
    "checkpoint.none": ("chưa có checkpoint nào được ký", "no signed checkpoint"),
    "checkpoint.key": ("không biết khóa kiểm của sổ cái", "log key unknown"),
    "checkpoint.signature": ("chữ ký checkpoint không hợp lệ", "checkpoint signature not valid"),
    "checkpoint.order": ("checkpoint sai thứ tự", "checkpoints out of order"),
    "checkpoint.beyond_log": ("sổ cái bị cắt ngắn hơn checkpoint", "log shorter than a checkpoint"),
    "checkpoint.root": ("gốc Merkle khác gốc đã ký", "Merkle root differs from the signed one"),
    "checkpoint.uncovered": ("bút toán chưa có checkpoint", "events not yet in a checkpoint"),
    "checkpoint.unwitnessed": (
        "bút toán chưa được nhân chứng đồng ký",
        "events not yet witnessed",
    ),
    "checkpoint.cosignature": (
        "chữ ký đồng ký của nhân chứng không hợp lệ",
        "witness cosignature does not verify",
    ),
    "checkpoint.not_cosigned": (
        "nhân chứng được ghim chưa đồng ký checkpoint mới nhất",
        "pinned witness did not cosign the latest checkpoint",
    ),
    "witness.other_log": ("nhân chứng giữ sổ cái khác", "witness holds another log"),
    "witness.log_key": ("nhân chứng ghim khóa sổ cái khác", "witness pinned another log key"),
    "witness.record": (
        "bản ghi của nhân chứng bị sửa hoặc hỏng",
        "witness record edited or damaged",
    ),
    "witness.truncated": ("sổ cái ngắn hơn lúc nhân chứng đồng ký", "log shorter than witnessed"),
    "witness.inconsistent": (
        "sổ cái bị viết lại sau khi nhân chứng đồng ký",
        "log rewritten since witnessed",
    ),
    # read models and personal data
    "projection.row": ("bảng đọc khác bản dựng lại từ sổ cái", "read model differs from the log"),
    "projection.rebuild": ("không dựng lại được bảng đọc", "read model cannot be rebuilt"),
    "sealed.malformed": ("dữ liệu cá nhân niêm phong hỏng", "sealed personal data malformed"),
    "sealed.no_key": ("thiếu khóa dữ liệu cá nhân", "no personal-data key"),
    "sealed.tampered": ("dữ liệu cá nhân niêm phong bị sửa", "sealed personal data changed"),
    "sealed.erased": (
        "dữ liệu cá nhân đã xóa, không phải lỗi",
        "personal data erased, not a failure",
    ),
    "erasure.not_done": (
        "đã ghi xóa dữ liệu nhưng khóa vẫn còn",
        "erasure recorded, key still held",
    ),
    "erasure.without_event": (
        "khóa dữ liệu bị hủy mà không ghi việc xóa",
        "data key destroyed without an erasure",
    ),
    # the store and export bundles
    "store.unreadable": (
        "cơ sở dữ liệu chứa giá trị không đọc được",
        "database holds unreadable values",
    ),
    "bundle.unreadable": ("gói xuất không đọc được", "bundle cannot be read"),
    "bundle.file": ("tệp của gói xuất bị thiếu hoặc bị sửa", "bundle file missing or changed"),
    "bundle.registry": (
        "registry.json khác kết quả phát lại",
        "registry.json differs from the log",
    ),
    "bundle.policy": ("policy.json khác kết quả phát lại", "policy.json differs from the log"),
    "bundle.manifest": ("số đếm trong MANIFEST.json sai", "MANIFEST.json counts are wrong"),
}

# the refusals of `audit witness` and `audit checkpoint` (`refusal` in --json):
# WitnessRefusal.code (audit.witness) and LogError.code (audit.log) -> (Vietnamese, English)
REFUSALS: Final[dict[str, tuple[str, str]]] = {
    "bad_note": ("checkpoint không khớp chữ ký của sổ cái", "checkpoint not signed by the log"),
    "wrong_log_key": ("khóa sổ cái khác khóa đã ghim", "another log key than the pinned one"),
    "conflict": ("kích thước cũ khác kích thước nhân chứng giữ", "old size is not the witness's"),
    "rollback": ("sổ cái hoặc trạng thái bị quay lui", "log or state rolled back"),
    "fork": ("rẽ nhánh: cùng kích thước, khác gốc", "a fork: same size, another root"),
    "inconsistent": ("không nhất quán với checkpoint đã đồng ký", "inconsistent with the cosigned"),
    "damaged_state": ("trạng thái nhân chứng bị sửa hoặc hỏng", "witness state edited or damaged"),
    "wrong_key": ("trạng thái thuộc khóa nhân chứng khác", "state of another witness key"),
    "unprovable": ("không lập được bằng chứng", "cannot be proved"),
    "truncated": ("sổ cái bị cắt ngắn hơn checkpoint", "log shorter than a checkpoint"),
    "checkpoint_mismatch": ("gốc Merkle khác checkpoint đã ký", "root differs from a checkpoint"),
    "checkpoint_signature": ("chữ ký checkpoint không hợp lệ", "checkpoint signature not valid"),
    "leaf_mismatch": ("bút toán bị sửa sau khi ghi", "event changed after it was logged"),
}


def check_name(code: str, lang: str = "vi") -> str:
    """The name of a verification check code (or a refusal code) in `lang`; "" for a
    code this version does not know."""
    names = CHECKS.get(code) or REFUSALS.get(code)
    if names is None:
        return ""
    return names[1] if lang == "en" else names[0]


def named(code: str, lang: str = "vi") -> str:
    """`code (name)`, as text output shows a code; the bare code when it has no name."""
    name = check_name(code, lang)
    return f"{code} ({name})" if name else code
