"""JSON Merge Patch (RFC 7386) bodies are JSON; the merge itself is done by crm.api.merge_patch."""

from rest_framework.parsers import JSONParser


class MergePatchJSONParser(JSONParser):
    media_type = "application/merge-patch+json"
