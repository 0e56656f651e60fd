import pytest
import torch

from tuneup_torch import lora
from tuneup_torch.model import HAS_SDPA, CausalLM, ModelConfig, load_model

from conftest import TINY


def test_qwen3_has_qk_norm_and_tied_embeddings_under_hf_names():
    names = dict(CausalLM(ModelConfig.parse(TINY)).named_parameters())
    assert "model.layers.0.self_attn.q_norm.weight" in names
    assert "lm_head.weight" not in names
    assert "model.embed_tokens.weight" in names


def test_qwen2_has_qkv_bias_and_llama_untied_head():
    q2 = dict(CausalLM(ModelConfig.parse({**TINY, "architectures": ["Qwen2ForCausalLM"]})).named_parameters())
    assert "model.layers.1.self_attn.k_proj.bias" in q2 and "model.layers.1.self_attn.o_proj.bias" not in q2
    assert "model.layers.0.self_attn.q_norm.weight" not in q2
    ll = dict(CausalLM(ModelConfig.parse({**TINY, "architectures": ["LlamaForCausalLM"],
                                          "tie_word_embeddings": False})).named_parameters())
    assert "lm_head.weight" in ll


def test_unknown_architecture_is_refused_by_name():
    with pytest.raises(ValueError, match="MistralForCausalLM is not supported"):
        ModelConfig.parse({**TINY, "architectures": ["MistralForCausalLM"]})


def test_packed_segments_do_not_see_each_other(tiny):
    m = load_model(tiny).eval()
    ids = torch.randint(1, 50, (1, 12))
    alone = m(ids[:, 6:], torch.arange(6)[None], torch.ones(1, 6, dtype=torch.int32))
    packed = m(ids, torch.cat([torch.arange(6), torch.arange(6)])[None],
               torch.tensor([[1] * 6 + [2] * 6]))
    assert torch.allclose(packed[:, 6:], alone, atol=1e-5)


def test_sdpa_where_torch_has_it_agrees_with_plain_attention_the_fallback(tiny):
    m = load_model(tiny).eval()
    ids = torch.randint(1, 50, (2, 10))
    pos, seg = torch.arange(10).repeat(2, 1), torch.ones(2, 10, dtype=torch.int32)
    assert m.use_sdpa == HAS_SDPA  # the fused kernel when this torch has it, else the fallback
    a = m(ids, pos, seg)
    assert torch.isfinite(a).all()
    if HAS_SDPA:
        m.use_sdpa = False
        assert torch.allclose(a, m(ids, pos, seg), atol=1e-5)


def test_gradient_checkpointing_gives_the_same_gradients(tiny):
    ids = torch.randint(1, 50, (2, 10))
    pos, seg = torch.arange(10).repeat(2, 1), torch.ones(2, 10, dtype=torch.int32)
    grads = []
    for ckpt in (False, True):
        m = load_model(tiny).train()
        m.gradient_checkpointing = ckpt
        m.loss_sum(ids, pos, seg, ids).backward()
        grads.append(m.model.layers[0].mlp.up_proj.weight.grad.clone())
    assert torch.allclose(grads[0], grads[1], atol=1e-6)


def test_java_random_matches_java_util_random():
    r = lora.JavaRandom(42)
    # new java.util.Random(42).nextFloat(), twice
    assert abs(r.next_float() - 0.7275637) < 1e-7
    assert abs(r.next_float() - 0.054665208) < 1e-7


def test_fresh_adapter_leaves_outputs_unchanged(tiny):
    m = load_model(tiny).eval()
    ids = torch.randint(1, 50, (1, 8))
    pos, seg = torch.arange(8)[None], torch.ones(1, 8, dtype=torch.int32)
    before = m(ids, pos, seg)
    cfg = lora.LoraConfig(4, 8, 0.0, lora.DEFAULT_TARGETS, "tiny")
    params = lora.attach(m, cfg, 42)
    assert "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight" in params
    assert len(params) == 2 * 4 * 2
    assert torch.equal(before, m(ids, pos, seg))
