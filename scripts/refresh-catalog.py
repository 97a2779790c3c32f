#!/usr/bin/env python3
"""Refresh Relay's model catalog from LiteLLM's public price list.

    scripts/refresh-catalog.py [SOURCE] [--output FILE]

SOURCE is a copy of LiteLLM's model_prices_and_context_window.json (default:
../shared/data/model_prices_and_context_window.json, relative to the repository root).
FILE defaults to shared/core/src/main/resources/relay/catalog/models.json.

What is kept:
  * entries whose litellm_provider Relay serves (PROVIDERS below maps LiteLLM's provider
    names to Relay's model-name prefixes; every "vertex_ai-*" name is vertex_ai) and whose
    mode is chat, completion or embedding;
  * of each entry, only the fields Relay uses (FIELDS below), plus "provider_model": the
    model id the provider expects, i.e. the key without its provider prefix and, for Bedrock
    and Azure, without the region/commitment scope LiteLLM puts in regional price keys
    (bedrock/us-east-1/anthropic.claude-v2 -> anthropic.claude-v2).
What is dropped on purpose: SKIP_KEYS (price entries that are no model a client can name).

The output is one JSON object, keys sorted, one entry per line, numbers written exactly as
the source writes them (integral floats such as 2000000.0 in token counts become integers).
Standard library only.
"""
import argparse
import json
import os
import re
import sys

# LiteLLM provider name -> Relay prefix. Names not here (and not vertex_ai-*) are not served.
PROVIDERS = {
    "openai": "openai",
    "text-completion-openai": "text-completion-openai",
    "azure": "azure",
    "azure_text": "azure",  # Azure OpenAI's completions models (azure/gpt-35-turbo-instruct)
    "anthropic": "anthropic",
    "cohere": "cohere",
    "cohere_chat": "cohere",
    "replicate": "replicate",
    "huggingface": "huggingface",
    "openrouter": "openrouter",
    "vertex_ai": "vertex_ai",
    "gemini": "gemini",
    "bedrock": "bedrock",
    "bedrock_converse": "bedrock",
    "groq": "groq",
    "mistral": "mistral",
    "together_ai": "together_ai",
    "deepseek": "deepseek",
    "fireworks_ai": "fireworks_ai",
    "fireworks_ai-embedding-models": "fireworks_ai",
    "perplexity": "perplexity",
    "ollama": "ollama",
    "xai": "xai",
    "deepinfra": "deepinfra",
    "cerebras": "cerebras",
    "sambanova": "sambanova",
    "nvidia_nim": "nvidia_nim",
}
MODES = {"chat", "completion", "embedding"}

# Source field -> kept as; in this order in the output.
FIELDS = [
    "mode",
    "max_input_tokens",
    "max_output_tokens",
    "input_cost_per_token",
    "output_cost_per_token",
    "cache_read_input_token_cost",
    "cache_creation_input_token_cost",
    "supports_function_calling",
    "supports_vision",
    "supports_response_schema",
    "supports_reasoning",
    "deprecation_date",
]
TOKEN_FIELDS = {"max_input_tokens", "max_output_tokens"}
FLAG_FIELDS = {"supports_function_calling", "supports_vision", "supports_response_schema", "supports_reasoning"}
PRICE_FIELDS = {"input_cost_per_token", "output_cost_per_token", "cache_read_input_token_cost", "cache_creation_input_token_cost"}

SKIP_KEYS = [
    re.compile(r"^(openai|azure)/container$"),  # code-interpreter session price, not a model
    re.compile(r"^together-ai-"),  # Together's price bands by model size, not model ids
]

# Where LiteLLM's key cannot give the provider's model id by the rule below.
PROVIDER_MODEL_FIXES = {
    "replicateopenai/gpt-oss-20b": "openai/gpt-oss-20b",  # LiteLLM's key lacks a slash
}
BEDROCK_SCOPE = re.compile(r"^(\*|[a-z]{2}(-gov)?-[a-z]+-\d+|\d+-month-commitment|invoke|converse)/")
AZURE_SCOPE = re.compile(r"^(us|eu|global|global-standard)/")


class Number(str):
    """A JSON number kept as its source text, so prices are copied exactly."""


def relay_provider(litellm_provider):
    if not isinstance(litellm_provider, str):
        return None
    if litellm_provider.startswith("vertex_ai-"):
        return "vertex_ai"
    return PROVIDERS.get(litellm_provider)


def provider_model(key, provider, litellm_provider):
    if key in PROVIDER_MODEL_FIXES:
        return PROVIDER_MODEL_FIXES[key]
    model = key
    for prefix in (provider, litellm_provider):
        if model.startswith(prefix + "/"):
            model = model[len(prefix) + 1:]
            break
    scope = BEDROCK_SCOPE if provider == "bedrock" else AZURE_SCOPE if provider == "azure" else None
    if scope is not None and model != key:
        while scope.match(model):
            model = scope.sub("", model, count=1)
    return model


def token_count(value):
    text = str(value)
    try:
        number = float(text)
    except ValueError:
        return None
    if number != number or number < 0 or number != int(number):
        return None
    return int(number)


def entry(key, source):
    provider = relay_provider(source.get("litellm_provider"))
    if provider is None or source.get("mode") not in MODES:
        return None
    if any(pattern.search(key) for pattern in SKIP_KEYS):
        return None
    out = {"provider": provider, "provider_model": provider_model(key, provider, source["litellm_provider"])}
    for field in FIELDS:
        value = source.get(field)
        if value is None:
            continue
        if field in TOKEN_FIELDS:
            value = token_count(value)
            if value is None:
                print(f"warning: {key}: {field} {source.get(field)!r} is no token count; left out", file=sys.stderr)
                continue
        elif field in FLAG_FIELDS:
            if value is not True:
                continue  # false is the default
        elif field in PRICE_FIELDS:
            if not isinstance(value, Number):
                print(f"warning: {key}: {field} {value!r} is no number; left out", file=sys.stderr)
                continue
        elif not isinstance(value, str):
            continue
        out[field] = value
    return out


def encode(value):
    if isinstance(value, Number):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def render(catalog):
    lines = []
    for key in sorted(catalog):
        fields = ",".join(f"{json.dumps(name)}:{encode(value)}" for name, value in catalog[key].items())
        lines.append(f"{json.dumps(key, ensure_ascii=False)}:{{{fields}}}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


def build(source):
    catalog = {}
    for key, value in source.items():
        if isinstance(value, dict):
            kept = entry(key, value)
            if kept is not None:
                catalog[key] = kept
    return catalog


def main(argv=None):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", nargs="?",
                        default=os.path.join(root, "..", "shared", "data", "model_prices_and_context_window.json"),
                        help="LiteLLM's model_prices_and_context_window.json")
    parser.add_argument("--output", default=os.path.join(
        root, "shared", "core", "src", "main", "resources", "relay", "catalog", "models.json"))
    args = parser.parse_args(argv)

    with open(args.source, encoding="utf-8") as f:
        source = json.load(f, parse_float=Number, parse_int=Number)
    catalog = build(source)
    text = render(catalog)
    with open(args.output, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    providers = sorted({e["provider"] for e in catalog.values()})
    print(f"{len(catalog)} models from {len(providers)} providers, {len(text.encode())} bytes -> {args.output}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
