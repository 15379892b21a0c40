"""Synthetic Chilean ID card fronts with ground truth, for tests and benchmarks.

>>> CONDITIONS
('scan', 'photo', 'hard')
"""

from chile_id_ocr.synth.generator import CONDITIONS, SynthSample, generate_front
from chile_id_ocr.synth.template import TemplateNotFoundError

__all__ = ["CONDITIONS", "SynthSample", "TemplateNotFoundError", "generate_front"]
