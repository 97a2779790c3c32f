"""A BERT encoder in plain PyTorch whose weights come from bge-small-en-v1.5's ONNX file."""
import math
import onnx
import onnx.numpy_helper as nh
import torch
import torch.nn as nn
import torch.nn.functional as F

HIDDEN, HEADS, FF, EPS = 384, 12, 1536, 1e-12


class Layer(nn.Module):
    def __init__(self):
        super().__init__()
        self.q, self.k, self.v, self.o = (nn.Linear(HIDDEN, HIDDEN) for _ in range(4))
        self.ln1 = nn.LayerNorm(HIDDEN, eps=EPS)
        self.ff1 = nn.Linear(HIDDEN, FF)
        self.ff2 = nn.Linear(FF, HIDDEN)
        self.ln2 = nn.LayerNorm(HIDDEN, eps=EPS)
        self.drop = nn.Dropout(0.1)

    def forward(self, x, bias):
        b, n, _ = x.shape
        def heads(t):
            return t.view(b, n, HEADS, HIDDEN // HEADS).transpose(1, 2)
        q, k, v = heads(self.q(x)), heads(self.k(x)), heads(self.v(x))
        att = q @ k.transpose(-1, -2) / math.sqrt(HIDDEN // HEADS) + bias
        att = self.drop(torch.softmax(att, dim=-1))
        ctx = (att @ v).transpose(1, 2).reshape(b, n, HIDDEN)
        x = self.ln1(x + self.drop(self.o(ctx)))
        h = self.ff2(F.gelu(self.ff1(x)))
        return self.ln2(x + self.drop(h))


class Bert(nn.Module):
    def __init__(self, layers=12):
        super().__init__()
        self.word = nn.Embedding(30522, HIDDEN)
        self.pos = nn.Embedding(512, HIDDEN)
        self.tok_type = nn.Embedding(2, HIDDEN)
        self.ln = nn.LayerNorm(HIDDEN, eps=EPS)
        self.drop = nn.Dropout(0.1)
        self.layers = nn.ModuleList(Layer() for _ in range(layers))

    def forward(self, ids, types, mask):
        n = ids.shape[1]
        pos = torch.arange(n, device=ids.device).unsqueeze(0)
        x = self.drop(self.ln(self.word(ids) + self.pos(pos) + self.tok_type(types)))
        bias = (1.0 - mask[:, None, None, :].to(x.dtype)) * -10000.0
        for layer in self.layers:
            x = layer(x, bias)
        return x


def load_bge(path, layers=12):
    m = onnx.load(path)
    w = {i.name: torch.from_numpy(nh.to_array(i).copy()) for i in m.graph.initializer}
    bert = Bert(layers)
    sd = {
        'word.weight': w['embeddings.word_embeddings.weight'],
        'pos.weight': w['embeddings.position_embeddings.weight'],
        'tok_type.weight': w['embeddings.token_type_embeddings.weight'],
        'ln.weight': w['embeddings.LayerNorm.weight'], 'ln.bias': w['embeddings.LayerNorm.bias'],
    }
    mats = {}
    for node in m.graph.node:
        if node.op_type == 'MatMul':
            ws = [x for x in node.input if x in w]
            if ws:
                mats[node.name] = w[ws[0]]
    for i in range(layers):
        p = f'encoder.layer.{i}.'
        n = f'/encoder/layer.{i}/'
        for ours, theirs in (('q', 'attention/self/query'), ('k', 'attention/self/key'), ('v', 'attention/self/value'),
                             ('o', 'attention/output/dense'), ('ff1', 'intermediate/dense'), ('ff2', 'output/dense')):
            sd[f'layers.{i}.{ours}.weight'] = mats[n + theirs + '/MatMul'].t().contiguous()
            sd[f'layers.{i}.{ours}.bias'] = w[p + theirs.replace('/', '.') + '.bias']
        sd[f'layers.{i}.ln1.weight'] = w[p + 'attention.output.LayerNorm.weight']
        sd[f'layers.{i}.ln1.bias'] = w[p + 'attention.output.LayerNorm.bias']
        sd[f'layers.{i}.ln2.weight'] = w[p + 'output.LayerNorm.weight']
        sd[f'layers.{i}.ln2.bias'] = w[p + 'output.LayerNorm.bias']
    bert.load_state_dict(sd)
    return bert
