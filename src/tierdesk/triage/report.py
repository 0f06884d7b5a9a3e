"""The held-out figures of a triage model as a plain-text table, for `tierdesk triage train`."""

from __future__ import annotations

import sys

from tierdesk.triage.models import TriageModel
from tierdesk.triage.selectors import worst_classes

TARGETS = (("type", "Type"), ("product_area", "Product area"))


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        cells = [
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        return "  ".join(cells).rstrip()

    return [line(headers), "  ".join("-" * w for w in widths), *(line(r) for r in rows)]


def model_report(model: TriageModel, *, worst: int = 5) -> str:
    """Accuracy and macro-F1 per target on the held-out tickets, then each target's weakest
    labels with precision and recall."""
    lines = [
        f"Triage model {model.pk}: trained on {model.training_tickets:,} solved tickets in "
        f"{model.seconds:.1f} s, measured on {model.held_out_tickets:,} held-out tickets.",
        "",
    ]
    lines += _table(
        ["target", "accuracy", "macro-F1", "held out", "labels"],
        [
            [
                title,
                f"{model.report[key]['accuracy']:.1%}",
                f"{model.report[key]['macro_f1']:.3f}",
                str(model.report[key]["held_out"]),
                str(len(model.report[key]["labels"])),
            ]
            for key, title in TARGETS
        ],
    )
    for key, title in TARGETS:
        lines += ["", f"{title}: weakest labels"]
        lines += _table(
            ["label", "precision", "recall", "F1", "support"],
            [
                [
                    row["label"],
                    f"{row['precision']:.3f}",
                    f"{row['recall']:.3f}",
                    f"{row['f1']:.3f}",
                    str(row["support"]),
                ]
                for row in worst_classes(model.report[key], worst)
            ],
        )
    return "\n".join(lines)


def train_command() -> int:
    """`tierdesk triage train`: trains, activates and prints the held-out table; 1 with the
    reasons when there is too little to learn from."""
    from tierdesk.core.errors import ValidationFailed
    from tierdesk.triage.services import triage_train

    try:
        model = triage_train()
    except ValidationFailed as refusal:
        for item in refusal.as_list():
            print(f"tierdesk triage train: {item['field']}: {item['reason']}", file=sys.stderr)
        return 1
    print(model_report(model))
    return 0
