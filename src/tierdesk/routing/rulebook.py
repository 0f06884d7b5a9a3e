"""What a routing rule may say, and the rules compiled into plain Python predicates and effects.

Conditions (all must match; each optional), stored as JSON on the rule:
    channel, plan, region, language, product_area, type: lists of choice values
    tags: any of these tags; keywords: any of these words in the subject or first message
    predicted_type, predicted_product_area: {"values": [...], "min_confidence": 0.0-1.0}
Actions: group (skill group id), priority, type, product_area, add_tags (list),
    apply_prediction: {"min_confidence": 0.0-1.0} sets type and product area from the triage
    prediction where its confidence reaches the threshold.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from tierdesk.accounts.choices import Language, Plan, Region
from tierdesk.tickets.choices import Channel, Priority, ProductArea, TicketType
from tierdesk.tickets.validation import TAGS_MAX, check_choice, normalize_tags

CHOICE_CONDITIONS: dict[str, list[str]] = {
    "channel": list(Channel.values),
    "plan": list(Plan.values),
    "region": list(Region.values),
    "language": list(Language.values),
    # "" is "no product area yet", so a rule can catch what nobody has classified.
    "product_area": ["", *ProductArea.values],
    "type": list(TicketType.values),
}
PREDICTION_CONDITIONS: dict[str, list[str]] = {
    "predicted_type": list(TicketType.values),
    "predicted_product_area": list(ProductArea.values),
}
CONDITION_KEYS = (*CHOICE_CONDITIONS, "tags", "keywords", *PREDICTION_CONDITIONS)
# Also the order a rule's actions apply in, whatever order the stored JSON keeps (PostgreSQL's
# jsonb sorts keys): the prediction first, so a type or product area the rule sets wins.
ACTION_KEYS = ("apply_prediction", "group", "priority", "type", "product_area", "add_tags")
KEYWORDS_MAX = 200
KEYWORD_LENGTH_MAX = 100


# --- validation --------------------------------------------------------------------------------


def _choice_list(value: Any, allowed: list[str], key: str, errors: dict[str, str]) -> list[str]:
    if not isinstance(value, list | tuple):
        errors[key] = _("Give a list of values.")
        return []
    chosen: list[str] = []
    for item in value:
        check_choice(errors, key, item, allowed)
        if key in errors:
            return []
        if item not in chosen:
            chosen.append(item)
    return chosen


def _confidence(value: Any, key: str, errors: dict[str, str]) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        errors[key] = _("Give a confidence between 0 and 1.")
        return 0.0
    try:
        number = float(value)
    except ValueError:
        errors[key] = _("Give a confidence between 0 and 1.")
        return 0.0
    if not 0.0 <= number <= 1.0:
        errors[key] = _("Give a confidence between 0 and 1.")
    return number


def _keywords(value: Any, key: str, errors: dict[str, str]) -> list[str]:
    if not isinstance(value, list | tuple):
        errors[key] = _("Give a list of words.")
        return []
    words: list[str] = []
    for raw in value:
        word = " ".join(str(raw).split()).casefold()
        if not word:
            continue
        if len(word) > KEYWORD_LENGTH_MAX:
            errors[key] = _("A keyword has at most %(max)d characters.") % {
                "max": KEYWORD_LENGTH_MAX
            }
            return []
        if word not in words:
            words.append(word)
    if len(words) > KEYWORDS_MAX:
        errors[key] = _("At most %(max)d keywords.") % {"max": KEYWORDS_MAX}
    return words


def clean_conditions(raw: Any, errors: dict[str, str]) -> dict[str, Any]:
    """The conditions normalised (empty lists dropped); refusals go to `errors` as
    "conditions.<key>"."""
    if not isinstance(raw, Mapping):
        errors["conditions"] = _("Give the conditions as an object.")
        return {}
    clean: dict[str, Any] = {}
    for key, value in raw.items():
        name = f"conditions.{key}"
        if key not in CONDITION_KEYS:
            errors[name] = _("Unknown condition; use one of: %(keys)s.") % {
                "keys": ", ".join(CONDITION_KEYS)
            }
        elif key in CHOICE_CONDITIONS:
            values = _choice_list(value, CHOICE_CONDITIONS[key], name, errors)
            if values:
                clean[key] = values
        elif key == "tags":
            tag_errors: dict[str, str] = {}
            tags = normalize_tags(value, tag_errors)
            if tag_errors:
                errors[name] = tag_errors["tags"]
            elif tags:
                clean[key] = tags
        elif key == "keywords":
            words = _keywords(value, name, errors)
            if words:
                clean[key] = words
        elif value not in (None, {}):
            predicted = _prediction_condition(value, PREDICTION_CONDITIONS[key], name, errors)
            if predicted:
                clean[key] = predicted
    return clean


def _prediction_condition(
    value: Any, allowed: list[str], name: str, errors: dict[str, str]
) -> dict[str, Any]:
    if not isinstance(value, Mapping) or set(value) - {"values", "min_confidence"}:
        errors[name] = _('Give {"values": [...], "min_confidence": 0.0-1.0}.')
        return {}
    values = _choice_list(value.get("values", []), allowed, name, errors)
    confidence = _confidence(value.get("min_confidence", 0.0), name, errors)
    if name not in errors and not values:
        errors[name] = _("Choose at least one predicted value.")
    return {"values": values, "min_confidence": confidence}


def clean_actions(
    raw: Any, errors: dict[str, str], group_ids: Callable[[Any], int | None]
) -> dict[str, Any]:
    """The actions normalised; refusals go to `errors` as "actions.<key>". `group_ids` turns
    the group a client named (id or name) into its id, or None when there is no such group."""
    if not isinstance(raw, Mapping):
        errors["actions"] = _("Give the actions as an object.")
        return {}
    clean: dict[str, Any] = {}
    for key, value in raw.items():
        name = f"actions.{key}"
        if value in (None, "", [], {}, False):
            continue  # an action left empty in a form is no action
        if key not in ACTION_KEYS:
            errors[name] = _("Unknown action; use one of: %(keys)s.") % {
                "keys": ", ".join(ACTION_KEYS)
            }
        elif key == "group":
            group_id = group_ids(value)
            if group_id is None:
                errors[name] = _("No skill group %(value)s.") % {"value": value}
            clean[key] = group_id
        elif key in {"priority", "type", "product_area"}:
            allowed = {
                "priority": Priority.values,
                "type": TicketType.values,
                "product_area": ProductArea.values,
            }[key]
            check_choice(errors, name, value, allowed)
            clean[key] = value
        elif key == "add_tags":
            tag_errors: dict[str, str] = {}
            tags = normalize_tags(value, tag_errors)
            if tag_errors:
                errors[name] = tag_errors["tags"]
            elif tags:
                clean[key] = tags
        else:
            if value is True:
                value = {"min_confidence": 0.0}
            if not isinstance(value, Mapping) or set(value) - {"min_confidence"}:
                errors[name] = _('Give {"min_confidence": 0.0-1.0}.')
                continue
            clean[key] = {
                "min_confidence": _confidence(value.get("min_confidence", 0.0), name, errors)
            }
    if not clean and not any(k.startswith("actions") for k in errors):
        errors["actions"] = _("Choose at least one action; a rule without one changes nothing.")
    return clean


# --- compiled rules ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Prediction:
    """What the triage classifier said about a ticket, with its confidence in each answer."""

    type: str
    type_confidence: float
    product_area: str
    product_area_confidence: float

    @classmethod
    def of(cls, value: Any) -> Prediction | None:
        """Any object with the four attributes (the triage app's prediction or suggestion)."""
        if value is None:
            return None
        try:
            return cls(
                type=str(value.type or ""),
                type_confidence=float(value.type_confidence or 0.0),
                product_area=str(value.product_area or ""),
                product_area_confidence=float(value.product_area_confidence or 0.0),
            )
        except AttributeError:
            return None


class State:
    """The ticket as routing sees it while rules run: each rule sees what earlier rules set."""

    __slots__ = (
        "channel",
        "group_id",
        "language",
        "plan",
        "prediction",
        "priority",
        "product_area",
        "region",
        "tags",
        "text",
        "type",
    )

    def __init__(
        self,
        *,
        channel: str,
        type: str,
        product_area: str,
        priority: str,
        language: str,
        tags: list[str],
        group_id: int | None,
        plan: str = "",
        region: str = "",
        text: str = "",
        prediction: Prediction | None = None,
    ) -> None:
        self.channel = channel
        self.type = type
        self.product_area = product_area
        self.priority = priority
        self.language = language
        self.tags = list(tags)
        self.group_id = group_id
        self.plan = plan
        self.region = region
        self.text = text.casefold()
        self.prediction = prediction


Predicate = Callable[[State], bool]
# (field, new value from the state, or _UNCHANGED)
Effect = Callable[[State], list[tuple[str, Any]]]

# Scripts without spaces between words: a keyword in them matches anywhere in the text.
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]")


def keyword_pattern(words: Iterable[str]) -> re.Pattern[str]:
    """One regex matching any of `words` (already case-folded) as a whole word: "down" finds
    "Down," but not "download". Japanese and Chinese have no spaces between words, so a keyword
    edge in those scripts matches anywhere."""
    parts = []
    for word in words:
        body = re.escape(word)
        head = "" if _UNSPACED.match(word[0]) or not word[0].isalnum() else r"(?<!\w)"
        tail = "" if _UNSPACED.match(word[-1]) or not word[-1].isalnum() else r"(?!\w)"
        parts.append(f"{head}{body}{tail}")
    return re.compile("|".join(parts))


def _keywords_predicate(words: list[str]) -> Predicate:
    # A plain substring test first: it runs in C and rules out most tickets, so the regex with
    # its word-edge checks (slow on long messages) runs only where a keyword occurs at all.
    search = keyword_pattern(words).search
    plain = tuple(words)

    def matches(text: str) -> bool:
        return any(word in text for word in plain) and search(text) is not None

    return matches  # type: ignore[return-value]


def compile_conditions(conditions: dict[str, Any]) -> Predicate:
    """The conditions as one function of the state: a single expression of `and`ed tests, so
    evaluating a rule is one call however many conditions it has (50 rules run per ticket)."""
    tests: list[str] = []
    names: dict[str, Any] = {}
    for index, (key, value) in enumerate(conditions.items()):
        name = f"c{index}"
        if key in CHOICE_CONDITIONS:
            names[name] = frozenset(value)
            tests.append(f"s.{key} in {name}")
        elif key == "tags":
            names[name] = frozenset(value)
            tests.append(f"not {name}.isdisjoint(s.tags)")
        elif key == "keywords":
            names[name] = _keywords_predicate(value)
            tests.append(f"{name}(s.text)")
        elif key in PREDICTION_CONDITIONS:
            target = "type" if key == "predicted_type" else "product_area"
            names[name] = frozenset(value["values"])
            names[f"{name}_min"] = float(value["min_confidence"])
            tests.append(
                f"(s.prediction is not None and s.prediction.{target} in {name}"
                f" and s.prediction.{target}_confidence >= {name}_min)"
            )
    # Only attribute names from the fixed keys above and generated names reach the source;
    # the values themselves are bound as constants, never written into it.
    source = "lambda s: " + (" and ".join(tests) if tests else "True")
    return eval(source, {"__builtins__": {}, **names})


def compile_actions(actions: dict[str, Any], group_exists: Callable[[int], bool]) -> list[Effect]:
    effects: list[Effect] = []
    for key in ACTION_KEYS:
        if key not in actions:
            continue
        value = actions[key]
        if key == "group":
            # A group deleted since the rule was written: the rule no longer moves tickets there.
            if value is not None and group_exists(value):
                effects.append(lambda s, v=value: [("group_id", v)])
        elif key in {"priority", "type", "product_area"}:
            effects.append(lambda s, k=key, v=value: [(k, v)])
        elif key == "add_tags":
            added = list(value)
            effects.append(
                lambda s, added=added: [
                    ("tags", (s.tags + [t for t in added if t not in s.tags])[:TAGS_MAX])
                ]
            )
        elif key == "apply_prediction":
            effects.append(_apply_prediction(float(value["min_confidence"])))
    return effects


def _apply_prediction(threshold: float) -> Effect:
    def effect(s: State) -> list[tuple[str, Any]]:
        p = s.prediction
        if p is None:
            return []
        changes: list[tuple[str, Any]] = []
        if p.type and p.type_confidence >= threshold:
            changes.append(("type", p.type))
        if p.product_area and p.product_area_confidence >= threshold:
            changes.append(("product_area", p.product_area))
        return changes

    return effect


@dataclass
class CompiledRule:
    name: str
    matches: Predicate
    effects: list[Effect]
    stop_processing: bool


@dataclass
class RuleBook:
    """The active rules in order, ready to run, and what they need to know about a ticket."""

    token: str
    rules: list[CompiledRule] = field(default_factory=list)
    group_names: dict[int, str] = field(default_factory=dict)
    uses_text: bool = False
    uses_organization: bool = False
    uses_prediction: bool = False

    def run(self, state: State) -> tuple[list[str], list[tuple[str, str, Any, Any]]]:
        """Runs the rules over `state`, changing it. Returns the names of the rules that matched
        and each change as (rule name, field, old, new), in the order they happened."""
        matched: list[str] = []
        changes: list[tuple[str, str, Any, Any]] = []
        for rule in self.rules:
            if not rule.matches(state):
                continue
            matched.append(rule.name)
            for effect in rule.effects:
                for name, new in effect(state):
                    old = getattr(state, name)
                    if old != new:
                        setattr(state, name, new)
                        changes.append((rule.name, name, old, new))
            if rule.stop_processing:
                break
        return matched, changes


def compile_rules(token: str, rules: Iterable[Any], group_names: dict[int, str]) -> RuleBook:
    """`rules`: active RoutingRule rows in their order."""
    book = RuleBook(token=token, group_names=group_names)
    for rule in rules:
        conditions = rule.conditions or {}
        actions = rule.actions or {}
        book.rules.append(
            CompiledRule(
                name=rule.name,
                matches=compile_conditions(conditions),
                effects=compile_actions(actions, group_names.__contains__),
                stop_processing=rule.stop_processing,
            )
        )
        book.uses_text |= "keywords" in conditions
        book.uses_organization |= bool({"plan", "region"} & set(conditions))
        book.uses_prediction |= bool(set(PREDICTION_CONDITIONS) & set(conditions)) or (
            "apply_prediction" in actions
        )
    return book
