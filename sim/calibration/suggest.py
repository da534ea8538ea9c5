"""Offline help for coding a new article: which passages bear on which actor, issue and parameter.

Deliberately simple and transparent: sentences are matched against the
evidence file's lexicon (actor names, issue terms) and its coding rules' cues.
A sentence that names no actor ("They contend...", "Proponents of engagement
argue...") inherits the actors of the sentence before it, even across a
paragraph break: news prose, written one short paragraph a line, keeps its
subject until it names a new one. The output
is a reading list for an analyst, not a calibration: nothing is written anywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sim.scenario.evidence import EvidenceFile, normalise_space

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’)]*\s+(?=[A-Z“\"‘'(])")


@dataclass(frozen=True)
class Passage:
    paragraph: int
    sentence: int
    text: str
    actors: tuple[str, ...]
    inherited: bool  # actors taken from the previous sentence (pronoun reference)
    issues: tuple[str, ...]
    rules: tuple[tuple[str, str], ...]  # (rule id, cue that matched)
    parameters: tuple[str, ...]  # evidence keys it might move, e.g. "stances.enrichment.salience"

    def as_json(self) -> dict[str, object]:
        return {
            "paragraph": self.paragraph,
            "sentence": self.sentence,
            "text": self.text,
            "actors": list(self.actors),
            "actors_inherited": self.inherited,
            "issues": list(self.issues),
            "rules": [{"rule": rule, "cue": cue} for rule, cue in self.rules],
            "parameters": list(self.parameters),
        }


def sentences(text: str) -> list[tuple[int, int, str]]:
    """(paragraph, sentence, text), 1-based; paragraphs are the article's lines."""
    result = []
    for paragraph, line in enumerate((p for p in text.splitlines() if p.strip()), start=1):
        for number, sentence in enumerate(_SENTENCE_END.split(line.strip()), start=1):
            result.append((paragraph, number, normalise_space(sentence)))
    return result


def _matches(sentence: str, terms: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    lowered = sentence.lower()
    return tuple(name for name, words in terms.items() if any(w.lower() in lowered for w in words))


def suggest(text: str, evidence: EvidenceFile) -> list[Passage]:
    passages: list[Passage] = []
    previous: tuple[str, ...] = ()
    for paragraph, number, sentence in sentences(text):
        actors = _matches(sentence, evidence.lexicon.actors)
        inherited = not actors and bool(previous)
        if inherited:
            actors = previous
        previous = actors
        issues = _matches(sentence, evidence.lexicon.issues)
        lowered = sentence.lower()
        rules = tuple(
            (rule_id, next(c for c in rule.cues if c.lower() in lowered))
            for rule_id, rule in evidence.rules.items()
            if any(c.lower() in lowered for c in rule.cues)
        )
        if not actors or not (rules or issues):
            continue
        passages.append(
            Passage(
                paragraph,
                number,
                sentence,
                actors,
                inherited,
                issues,
                rules,
                _parameters(evidence, rules, issues),
            )
        )
    return passages


def _parameters(
    evidence: EvidenceFile, rules: tuple[tuple[str, str], ...], issues: tuple[str, ...]
) -> tuple[str, ...]:
    keys: list[str] = []
    kinds = [kind for rule_id, _ in rules for kind in evidence.rules[rule_id].parameters]
    if issues and not kinds:
        kinds = ["position", "salience"]
    for kind in dict.fromkeys(kinds):
        if kind in ("position", "salience"):
            keys += [f"stances.{issue}.{kind}" for issue in issues] or [f"stances.*.{kind}"]
        elif kind in ("threshold", "probability"):
            keys.append(f"red_lines.*.{'above|below' if kind == 'threshold' else 'probability'}")
        else:
            keys.append(kind)
    return tuple(dict.fromkeys(keys))


def suggestion_lines(passages: list[Passage], actor_order: tuple[str, ...]) -> list[str]:
    lines: list[str] = []
    for actor_id in actor_order:
        mine = [p for p in passages if actor_id in p.actors]
        if not mine:
            continue
        lines += ["", f"{actor_id}: {len(mine)} passage{'s' if len(mine) != 1 else ''}"]
        for passage in mine:
            via = " (actor from the previous sentence)" if passage.inherited else ""
            lines.append(
                f"  [para {passage.paragraph}, sentence {passage.sentence}]{via} \u201c{passage.text}\u201d"
            )
            cues = ", ".join(f"{cue!r} -> {rule}" for rule, cue in passage.rules) or "none"
            lines.append(f"      issues: {', '.join(passage.issues) or 'none'}; cues: {cues}")
            lines.append(f"      might move: {', '.join(passage.parameters)}")
    return lines
