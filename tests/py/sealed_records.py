"""Sealed records (layout version 1) on top of Powertools' DataMasking: the format of the Rust
crate's DataMasking::seal and unseal, so that each side unseals what the other sealed."""

import base64
import copy
import hashlib
import json

import jcs
from aws_lambda_powertools.utilities.data_masking.exceptions import DataMaskingFieldNotFoundError
from jsonpath_ng.ext import parse
from jsonpath_ng.jsonpath import Child, Fields, Root, This

PLACEHOLDER, SEALED_KEY = "__encrypted", "data-masking:sealed"
ESCAPES = {chr(c): f"\\u{c:04x}" for c in range(32)} | {
    "'": "\\'", "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
LAYOUT_KEYS = {"v", "encrypt", "sign", "bind", "values", "digests"}

class RecordTampered(Exception):
    def __init__(self, path, reason):
        super().__init__(f"record tampered at {path}: {reason}")
        self.path, self.reason = path, reason

def location(at):
    """The RFC 9535 normalized path of a sequence of member names and array indices."""
    def name(s):
        return "".join(ESCAPES.get(c, c) for c in s)
    return "$" + "".join(f"[{s}]" if isinstance(s, int) else f"['{name(s)}']" for s in at)

def segments(path):
    """The member names and indices of a jsonpath-ng match's full_path."""
    if isinstance(path, Child):
        return segments(path.left) + segments(path.right)
    if isinstance(path, (Root, This)):
        return []
    return list(path.fields if isinstance(path, Fields) else path.indices)  # Fields or Index

def find(doc, field):
    return parse(field if field.startswith("$") else "$." + field).find(doc)

def locate(doc, fields, raise_on_missing=False):
    """The locations (tuples of names and indices) of the outermost nodes the fields locate."""
    found = set()
    for field in fields:
        matches = find(doc, field)
        if not matches and raise_on_missing:
            raise DataMaskingFieldNotFoundError(f"Field or expression {field} not found")
        for match in matches:
            node, at = doc, []
            for s in segments(match.full_path):  # a negative index counts from the end
                at.append(s + len(node) if isinstance(s, int) and s < 0 else s)
                node = node[at[-1]]
            found.add(tuple(at))
    return {at for at in found if not any(at[:i] in found for i in range(len(at)))}

def get(doc, at):
    for s in at:
        doc = doc[s]
    return doc

def digest(node):
    """Base64 of the SHA-256 of the node's RFC 8785 (JCS) canonical form."""
    return base64.b64encode(hashlib.sha256(jcs.canonicalize(node)).digest()).decode()

def digests(doc, sign):
    return {location(at): digest(get(doc, at)) for at in locate(doc, sign)}

def placeholders(node, at=()):
    """Every object holding a PLACEHOLDER member (not descended into), with its location."""
    if isinstance(node, dict) and PLACEHOLDER in node:
        yield at, node
    elif isinstance(node, (dict, list)):
        for key, child in node.items() if isinstance(node, dict) else enumerate(node):
            yield from placeholders(child, at + (key,))

def context_of(doc, bind, context, fail):
    """The caller's context, one pair per bound field (its value as text), the layout version."""
    ctx = dict(context or {})
    if SEALED_KEY in ctx or set(ctx) & set(bind or {}):
        raise ValueError(f"the context holds {SEALED_KEY} or a bound key")
    for key, field in (bind or {}).items():
        nodes = [m.value for m in find(doc, field)]
        why = ("locates nothing", None, "locates more than one value")[min(len(nodes), 2)]
        if why or not isinstance(nodes[0], (str, int, float)):
            why = why or "is not a string, number or boolean"
            raise fail(field, f"the field bound to {key} {why}")
        ctx[key] = nodes[0] if isinstance(nodes[0], str) else json.dumps(nodes[0])
    return {**ctx, SEALED_KEY: "1"}

def seal(dm, record, encrypt=(), sign=(), bind=None, context=None, member="__sealed"):
    """The record, its encrypted nodes replaced by placeholders, its message in `member`."""
    if not isinstance(record, dict) or member in record or next(placeholders(record), None):
        raise TypeError(f"only an object holding no {member} and no {PLACEHOLDER} can be sealed")
    record, values = copy.deepcopy(record), {}
    for at in locate(record, encrypt, dm.raise_on_missing_field):
        if not at:
            raise TypeError("a field to encrypt selects the whole record")
        parent, loc = get(record, at[:-1]), location(at)
        values[loc], parent[at[-1]] = parent[at[-1]], {PLACEHOLDER: loc}
    layout = {"v": 1, "encrypt": list(encrypt), "sign": list(sign), "bind": dict(bind or {}),
              "values": values, "digests": digests(record, sign)}
    ctx = context_of(record, bind, context, lambda field, reason: ValueError(f"{reason}: {field}"))
    return {**record, member: dm.encrypt(layout, **ctx)}

def unseal(dm, sealed, encrypt=(), sign=(), bind=None, context=None, member="__sealed"):
    """The record sealed with these arguments, once every check passed (else RecordTampered)."""
    if not isinstance(sealed.get(member), str):
        why = "is not a string" if member in sealed else "is missing"
        raise RecordTampered(location([member]), f"the sealed message {why}")
    record = copy.deepcopy({k: v for k, v in sealed.items() if k != member})
    layout = dm.decrypt(sealed[member], **context_of(record, bind, context, RecordTampered))
    if not isinstance(layout, dict) or layout.get("v") != 1 or layout.keys() != LAYOUT_KEYS:
        raise ValueError("the message does not hold a sealed-record layout of version 1")
    fields = [list(encrypt), list(sign), dict(bind or {})]
    if [layout["encrypt"], layout["sign"], layout["bind"]] != fields:
        raise ValueError("the record was sealed with other fields")
    now, then = digests(record, sign), layout["digests"]
    for loc in sorted(then):
        if now.get(loc) != then[loc]:
            what = "changed" if loc in now else "removed"
            raise RecordTampered(loc, f"a signed value was {what}")
    if added := sorted(set(now) - set(then)):
        raise RecordTampered(added[0], "a signed value was added: "
                             "the field located nothing here when the record was sealed")
    found = {}
    for at, holder in placeholders(record):
        loc, named = location(at), holder[PLACEHOLDER]
        if len(holder) != 1 or not isinstance(named, str):
            raise RecordTampered(loc, "a placeholder was altered")
        if named != loc:
            raise RecordTampered(loc, f"a placeholder was moved here: it names {named}")
        if loc not in layout["values"]:
            raise RecordTampered(loc, "a placeholder was added: no encrypted value belongs here")
        found[loc] = at
    if removed := sorted(set(layout["values"]) - set(found)):
        raise RecordTampered(removed[0], "a placeholder was removed: "
                             "the encrypted value has no place in the record")
    for loc, at in found.items():
        get(record, at[:-1])[at[-1]] = layout["values"][loc]
    return record
