"""Synthetic Chilean ID cards with ground truth, for tests, benchmarks and training.

>>> CONDITIONS
('scan', 'photo', 'hard', 'page')
>>> sorted(DOMAINS)
['A', 'B']
"""

from chile_id_ocr.synth.domains import DOMAINS
from chile_id_ocr.synth.generator import CONDITIONS, SynthSample, generate_back, generate_front
from chile_id_ocr.synth.template import TemplateNotFoundError

__all__ = ["CONDITIONS", "DOMAINS", "SynthSample", "TemplateNotFoundError", "generate_back", "generate_front"]
