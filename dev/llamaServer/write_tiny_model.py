"""Writes the tiny llama-architecture GGUF model the llama-server tests load.

Usage: python write_tiny_model.py OUTPUT.gguf

Nothing is trained: the weights are shaped so that, under a JSON grammar, the model's answer is
short, valid UTF-8 and terminates. Every token has the same embedding and every block adds zero to
the residual stream (attn_output and ffn_down are zero), so the final hidden state is the same
vector whatever the context; the output rows then fix one logit per token. Of what a grammar
allows, the model picks: end of text, else a closing quote, else a letter, else a bracket or colon,
else any other byte, then whitespace, and a comma last (so arrays keep to their first item). With no
grammar, end of text wins at once: a free-text answer is empty.
"""

import sys

import numpy as np
from gguf import GGUFWriter, TokenType

WIDTH = 64
HEADS = 4
BLOCKS = 2
FEED_FORWARD = 128
CONTEXT = 4096
# A few merges, so the tokenizer has BPE work to do; their tokens never win (logit 0).
MERGES = [("t", "h"), ("i", "n"), ("e", "r"), ("a", "n"), ("Ġ", "t")]


def gpt2_byte_tokens() -> list[str]:
    """The GPT-2 byte-to-unicode table: byte b is token b, spelled as GPT-2 spells it."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    spelled = {b: chr(b) for b in printable}
    extra = 0
    for b in range(256):
        if b not in spelled:
            spelled[b] = chr(256 + extra)
            extra += 1
    return [spelled[b] for b in range(256)]


def byte_logit(b: int) -> float:
    char = chr(b)
    if char == '"':
        return 30.0
    if char.isascii() and char.isalpha():
        return 20.0
    if char in "{}[]:":
        return 10.0
    if char in " \t\n\r":
        return -5.0
    if char == ",":
        return -10.0
    return 0.0


def main(output: str) -> None:
    tokens = gpt2_byte_tokens() + [a + b for a, b in MERGES] + ["<s>", "</s>"]
    bos, eos = len(tokens) - 2, len(tokens) - 1
    types = [TokenType.NORMAL] * (len(tokens) - 2) + [TokenType.CONTROL, TokenType.CONTROL]
    logits = np.array([byte_logit(b) for b in range(256)] + [0.0] * len(MERGES) + [-30.0, 40.0], dtype=np.float32)

    writer = GGUFWriter(output, "llama")
    writer.add_name("research-relay tiny test model")
    writer.add_context_length(CONTEXT)
    writer.add_embedding_length(WIDTH)
    writer.add_block_count(BLOCKS)
    writer.add_feed_forward_length(FEED_FORWARD)
    writer.add_head_count(HEADS)
    writer.add_head_count_kv(HEADS)
    writer.add_rope_dimension_count(WIDTH // HEADS)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_file_type(0)  # all float32
    writer.add_vocab_size(len(tokens))
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("gpt-2")
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    writer.add_token_merges([f"{a} {b}" for a, b in MERGES])
    writer.add_bos_token_id(bos)
    writer.add_eos_token_id(eos)
    writer.add_add_bos_token(False)

    # The hidden state is all ones (constant embeddings, RMS norm with unit weights), so row i of
    # the output matrix, logit_i / WIDTH in every column, yields exactly logit_i.
    writer.add_tensor("token_embd.weight", np.ones((len(tokens), WIDTH), dtype=np.float32))
    writer.add_tensor("output_norm.weight", np.ones(WIDTH, dtype=np.float32))
    writer.add_tensor("output.weight", np.repeat(logits[:, None] / WIDTH, WIDTH, axis=1).astype(np.float32))
    rng = np.random.default_rng(7)
    for block in range(BLOCKS):
        def small(*shape: int) -> np.ndarray:
            return (rng.standard_normal(shape) * 0.02).astype(np.float32)

        prefix = f"blk.{block}."
        writer.add_tensor(prefix + "attn_norm.weight", np.ones(WIDTH, dtype=np.float32))
        writer.add_tensor(prefix + "attn_q.weight", small(WIDTH, WIDTH))
        writer.add_tensor(prefix + "attn_k.weight", small(WIDTH, WIDTH))
        writer.add_tensor(prefix + "attn_v.weight", small(WIDTH, WIDTH))
        writer.add_tensor(prefix + "attn_output.weight", np.zeros((WIDTH, WIDTH), dtype=np.float32))
        writer.add_tensor(prefix + "ffn_norm.weight", np.ones(WIDTH, dtype=np.float32))
        writer.add_tensor(prefix + "ffn_gate.weight", small(FEED_FORWARD, WIDTH))
        writer.add_tensor(prefix + "ffn_up.weight", small(FEED_FORWARD, WIDTH))
        writer.add_tensor(prefix + "ffn_down.weight", np.zeros((WIDTH, FEED_FORWARD), dtype=np.float32))

    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
