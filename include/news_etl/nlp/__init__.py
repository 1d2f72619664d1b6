"""Entities, quotes and key phrases of cleaned article bodies, with one spaCy pass per body.

Public surface: :func:`load_pipeline` (the spaCy model, once per process), :func:`analyse` (bodies in, one
:class:`Analysis` per body out, through ``nlp.pipe``), the settings (:func:`load_config`, :func:`load_idf`)
and the pure helpers the tests use (:func:`canonical_name`, :func:`entity_key`, :func:`entity_id`,
:func:`find_quote_spans`, :func:`compile_pos_rules`). Inside:

- :mod:`.config`: settings, the IDF table, the result types;
- :mod:`.model`: the spaCy pipeline (with this project's components) and the analysis loop;
- :mod:`.names`: canonical entity names and their ids;
- :mod:`.entities`: mentions grouped into entities, and key phrases;
- :mod:`.quotes`: quotations, their cues and speakers.

Everything after the model is a walk over what spaCy already computed (entities, the dependency parse, noun
chunks), so the stage costs little more than ``nlp.pipe`` itself.
"""

from news_etl.nlp.config import Analysis, Entity, Idf, NlpConfig, Quote, load_config, load_idf
from news_etl.nlp.model import POS_COMPONENT, analyse, analyse_doc, compile_pos_rules, load_pipeline
from news_etl.nlp.names import canonical_name, entity_id, entity_key
from news_etl.nlp.quotes import find_quote_spans

__all__ = [
    "POS_COMPONENT",
    "Analysis",
    "Entity",
    "Idf",
    "NlpConfig",
    "Quote",
    "analyse",
    "analyse_doc",
    "canonical_name",
    "compile_pos_rules",
    "entity_id",
    "entity_key",
    "find_quote_spans",
    "load_config",
    "load_idf",
    "load_pipeline",
]
