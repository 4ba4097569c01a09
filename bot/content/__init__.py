"""The structured knowledge base: schema, loading, search and opening hours."""

from bot.content.loader import ContentValidationError, KnowledgeBase, get_knowledge_base, load_knowledge_base
from bot.content.schema import ContentError, Entry

__all__ = [
    "ContentError",
    "ContentValidationError",
    "Entry",
    "KnowledgeBase",
    "get_knowledge_base",
    "load_knowledge_base",
]
