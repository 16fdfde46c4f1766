from collections.abc import Callable
from typing import Any

def clean(splits_character: Callable[[str, int], bool], data: Any, text: str) -> bool: ...
