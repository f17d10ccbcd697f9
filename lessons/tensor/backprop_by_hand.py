"""Backprop by hand: the makemore MLP's backward pass, one intermediate tensor at a time ("backprop ninja")."""

from lessons.api import (
    BackwardSteps,
    ChoiceQuiz,
    ExpressionQuiz,
    ForwardSteps,
    Narrate,
    NumberQuiz,
    Train,
    fmt,
    lesson,
)

BATCH = 32  # examples in the minibatch
BLOCK = 3  # characters of context
DIMS = 10  # numbers per character embedding
HIDDEN = 64  # hidden neurons, as in the "backprop ninja" lecture
VOCAB = 27
SEED = 42
TRAIN_STEPS = 100  # SGD steps with the learner's grads, and with the engine's
TRAIN_LR = 0.1
ROUNDING = 1e-9  # a larger gap between a learner's formula and the engine's grad is more than float rounding

# A right answer for each grad, checked by `python -m tutor check`. The summary and the training use the
# formula the learner typed instead, once they have typed a right one.
SOLUTIONS = {
    "logits": "(probs - onehot) / n",
    "h": "dlogits @ W2.T",
    "W2": "h.T @ dlogits",
    "b2": "sum(dlogits, axis=0)",
    "hpreact": "(1 - h**2) * dh",
    "bngain": "sum(bnraw * dhpreact, axis=0)",
    "bnraw": "bngain * dhpreact",
    "hprebn": "bnvar_inv * (dbnraw - mean(dbnraw, axis=0) - bnraw * mean(dbnraw * bnraw, axis=0))",
    "embcat": "dhprebn @ W1.T",
    "C": "Xenc.T @ demb_rows",
}


@lesson(
    id="backprop-by-hand",
    title="Backprop by hand: becoming a backprop ninja",
    summary="Type the grad of every tensor of the makemore MLP, from the loss back to the embeddings.",
    minutes=20,
    order=240,
    track="tensor",
)
def backprop_by_hand():
    import math

    import numpy as np  # numpy: imported when the lesson opens, not at start-up

    from engine.tensor import Tensor, cross_entropy, embedding
    from lessons.expressions import evaluate
    from lessons.tensor._shared import contexts, corpus

    # -- the model and one minibatch, seeded -------------------------------------------------------
    X, Y = contexts("train", BLOCK)
    itos = corpus().itos
    rng = np.random.default_rng(SEED)
    fan_in = BLOCK * DIMS
    C = Tensor(rng.standard_normal((VOCAB, DIMS)), label="C")
    W1 = Tensor(rng.standard_normal((fan_in, HIDDEN)) * (5 / 3) / math.sqrt(fan_in), label="W1")
    bngain = Tensor(rng.standard_normal(HIDDEN) * 0.1 + 1.0, label="bngain")
    bnbias = Tensor(rng.standard_normal(HIDDEN) * 0.1, label="bnbias")
    W2 = Tensor(rng.standard_normal((HIDDEN, VOCAB)) * 0.1, label="W2")
    b2 = Tensor(rng.standard_normal(VOCAB) * 0.1, label="b2")
    ix = rng.integers(0, len(X), BATCH)
    Xb, Yb = X[ix], Y[ix]
    n = BATCH

    # -- the forward pass, cut into named tensors as in the lecture ------------------------------------
    emb = embedding(C, Xb)
    embcat = emb.view(n, -1)
    hprebn = embcat @ W1
    bnmean = hprebn.mean(0, keepdims=True)
    bndiff = hprebn - bnmean
    bndiff2 = bndiff**2
    bnvar = bndiff2.mean(0, keepdims=True)  # the biased variance, as BatchNorm1d uses in training
    bnvar_inv = (bnvar + 1e-5) ** -0.5
    bnraw = bndiff * bnvar_inv
    bnscaled = bngain * bnraw
    hpreact = bnscaled + bnbias
    h = hpreact.tanh()
    hW2 = h @ W2
    logits = hW2 + b2
    loss = cross_entropy(logits, Yb)
    tensors = {
        "emb": emb,
        "embcat": embcat,
        "hprebn": hprebn,
        "bnmean": bnmean,
        "bndiff": bndiff,
        "bndiff2": bndiff2,
        "bnvar": bnvar,
        "bnvar_inv": bnvar_inv,
        "bnraw": bnraw,
        "bngain*bnraw": bnscaled,
        "hpreact": hpreact,
        "h": h,
        "h@W2": hW2,
        "logits": logits,
        "loss": loss,
    }
    for name, t in tensors.items():
        t.label = name
    params = {"C": C, "W1": W1, "bngain": bngain, "bnbias": bnbias, "W2": W2, "b2": b2}

    # The engine's own backward: the answers. Copied, then every grad is zeroed, so the step-through at
    # the end starts from scratch and shows the same numbers.
    loss.backward()
    grads = {name: t.grad.copy() for name, t in {**tensors, **params}.items()}
    for t in [*tensors.values(), *params.values()]:
        t.grad = np.zeros_like(t.data)

    # the cross-entropy again, cut into the lecture's small ops, on a copy of the logits: the op-by-op grads
    ce_logits = Tensor(logits.data.copy(), label="logits")
    norm_logits = ce_logits - Tensor(logits.data.max(axis=1, keepdims=True))  # the max: a constant, for stability
    counts = norm_logits.exp()
    counts_sum_inv = counts.sum(1, keepdims=True) ** -1
    ce_probs = counts * counts_sum_inv
    logprobs = ce_probs.log()
    ce_loss = -logprobs[np.arange(n), Yb].mean()
    ce_loss.backward()
    by_ops = {"logprobs": logprobs.grad.copy(), "probs": ce_probs.grad.copy(), "logits": ce_logits.grad.copy()}
    ops_gap = float(np.abs(by_ops["logits"] - grads["logits"]).max())

    shifted = logits.data - logits.data.max(axis=1, keepdims=True)
    probs = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    onehot = np.eye(VOCAB)[Yb]
    Xenc = np.eye(VOCAB)[Xb.reshape(-1)]  # one row per character looked up: (n·3, 27)
    demb_rows = grads["emb"].reshape(-1, DIMS)

    def data(*names: str) -> dict:
        """The forward tensors' numbers by name (and n, the batch size)."""
        everything = {name: t.data for name, t in {**tensors, **params}.items()}
        return {name: (float(n) if name == "n" else everything[name]) for name in names}

    def earned(*names: str) -> dict:
        """Grads the learner has found already, under their d-names: dlogits, dh..."""
        return {f"d{name}": grads[name] for name in names}

    typed = dict(SOLUTIONS)  # each grad's formula as the learner wrote it (the lesson's until then)

    def expression_quiz(target: str, text, names, hint, explanation) -> ExpressionQuiz:
        return ExpressionQuiz(
            text,
            names=names,
            answer=lambda: grads[target],
            solution=SOLUTIONS[target],
            hint=hint,
            explanation=explanation,
            on_right=lambda formula: typed.__setitem__(target, formula),
        )

    uniform = -math.log(1 / VOCAB)
    yield Narrate(
        lambda: (
            "# Becoming a backprop ninja\n\n"
            f"makemore's MLP on one minibatch of {n} names' contexts: embeddings C, {BLOCK} characters of "
            f"context, a Linear layer W1, BatchNorm, tanh, a Linear layer W2, b2 and the cross-entropy: "
            f"loss = **{fmt(loss.item())}** (a uniform guess gives −ln(1/27) = {fmt(uniform)}).\n\n"
            "The forward pass is cut into small named tensors (next step). You will write the **backward** pass "
            "yourself, one tensor at a time, as array expressions; the engine's own backward checks each."
        )
    )
    yield ForwardSteps(
        "## The forward pass\n\nPress `n` to compute each tensor in order. The panel shows its formula and "
        "shape: `bnmean`, `bnvar` are means over the batch (axis 0), `bnraw` is the normalised `hprebn`. "
        "Note the shapes: you will need them. `e` jumps to the end.",
        graph=loss,
    )

    yield Narrate(
        "## The cross-entropy, op by op\n\n"
        "```python\nnorm_logits = logits - logits.max(1, keepdims=True)   # a constant shift, for stability\n"
        "counts = norm_logits.exp(); counts_sum_inv = counts.sum(1, keepdims=True)**-1\n"
        "probs = counts * counts_sum_inv; logprobs = probs.log()\n"
        "loss = -logprobs[range(n), Yb].mean()\n```\n\n"
        "The lecture first writes the loss in these small steps, and backprops through each from the end. "
        "Two of them by hand, then the one-line formula."
    )
    yield ExpressionQuiz(
        lambda: (
            "## 0a. Through the mean\n\nloss = −(the mean of the n picked logprobs). `onehot` has a 1 at each "
            f"row's target. Type **dlogprobs**, of shape {logprobs.shape}."
        ),
        names=lambda: {"onehot": onehot, "n": float(n)},
        answer=lambda: by_ops["logprobs"],
        solution="-onehot / n",
        hint="Each picked entry gets −1/n (the mean, then the minus); every entry not picked gets 0.",
        explanation="dlogprobs = −onehot / n: only the n picked entries reach the loss.",
    )
    yield ExpressionQuiz(
        "## 0b. Through the log\n\nlogprobs = log(probs), elementwise. You have `dlogprobs`. Type **dprobs**.",
        names=lambda: {"dlogprobs": by_ops["logprobs"], "probs": probs},
        answer=lambda: by_ops["probs"],
        solution="dlogprobs / probs",
        hint="The local derivative of log(p) is 1/p.",
        explanation=lambda: (
            "dprobs = dlogprobs / probs: a small probability of the right character gets a big push. "
            "Back through counts_sum_inv, the sum and exp (counts gets two contributions, one per path), the "
            f"engine arrives at a dlogits that matches the one-line formula to {ops_gap:.1g}: next, that formula."
        ),
    )
    yield expression_quiz(
        "logits",
        lambda: (
            "## 1. Through the cross-entropy\n\n"
            f"loss is the mean over the {n} rows of −log probs[row, target], with probs = softmax(logits). "
            "`onehot` has a 1 at each row's target. Type **dlogits** = ∂loss/∂logits, an array of "
            f"shape {logits.shape}."
        ),
        lambda: {"probs": probs, "onehot": onehot, "n": float(n), "logits": logits.data},
        "For one row, ∂(−log softmax(z)[target])/∂z = softmax(z) − onehot. The mean divides by n.",
        lambda: (
            "Each wrong character is pushed down by its probability, the right one pulled up by 1 − p; "
            f"each row of dlogits sums to 0 (largest row sum here: {fmt(float(np.abs(grads['logits'].sum(1)).max()))})."
        ),
    )
    yield expression_quiz(
        "h",
        "## 2. Through logits = h @ W2 + b2\n\n"
        "Now you have `dlogits`. Which product gives **dh**, the grad of h? Shapes are the guide: "
        "dh must have h's shape, (32, 64), and dlogits is (32, 27).",
        lambda: {**earned("logits"), **data("h", "W2", "b2")},
        "h[i, k] meets W2[k, j] in logits[i, j]: dh[i, k] = Σ_j dlogits[i, j] · W2[k, j]. That is a product with W2.T.",
        "dh = dlogits @ W2ᵀ: each hidden unit collects the grads of the logits it feeds, weighted by W2.",
    )
    yield expression_quiz(
        "W2",
        "## 3. The grad of W2\n\nSame product, the other input: type **dW2**, of shape (64, 27).",
        lambda: {**earned("logits"), **data("h", "W2", "b2")},
        "dW2[k, j] = Σ_i h[i, k] · dlogits[i, j]: a sum over the batch. Which transpose puts i in the middle?",
        lambda: f"dW2 = hᵀ @ dlogits sums over the {n} examples: dW2[0, 0] = {fmt(float(grads['W2'][0, 0]))}.",
    )
    yield expression_quiz(
        "b2",
        "## 4. The grad of b2\n\nb2 has shape (27,) and was **broadcast**: added to every row of h @ W2. Type **db2**.",
        lambda: {**earned("logits"), **data("h", "W2", "b2")},
        "A number used in every row collects the grad of every row: sum dlogits over axis 0.",
        "db2 = sum(dlogits, axis=0): broadcasting forward is summing backward.",
    )
    yield expression_quiz(
        "hpreact",
        "## 5. Through the tanh\n\nh = tanh(hpreact), elementwise. You have `dh`. Type **dhpreact**. "
        "(The derivative of tanh(x) is 1 − tanh(x)², and tanh(hpreact) is h.)",
        lambda: {**earned("h"), **data("h", "hpreact")},
        "The chain rule, number by number: dhpreact = (local derivative) * dh, with * elementwise.",
        lambda: (
            f"{float(np.mean(np.abs(h.data) > 0.99)):.0%} of h is beyond ±0.99, where 1 − h² is near 0 "
            "and almost no grad gets through."
        ),
    )
    yield expression_quiz(
        "bngain",
        "## 6. Into BatchNorm: the gain\n\nhpreact = bngain * bnraw + bnbias, where bngain and bnbias have "
        "shape (64,) and bnraw (32, 64). Type **dbngain**.",
        lambda: {**earned("hpreact"), **data("bnraw", "bngain", "bnbias")},
        "Elementwise: bngain's local derivative is bnraw. And bngain was broadcast over the 32 rows.",
        lambda: (
            "dbngain = sum(bnraw * dhpreact, axis=0). Likewise dbnbias = sum(dhpreact, axis=0): "
            f"dbnbias[0] = {fmt(float(grads['bnbias'][0]))}."
        ),
    )
    yield expression_quiz(
        "bnraw",
        "## 7. The other input: bnraw\n\nStill hpreact = bngain * bnraw + bnbias. Type **dbnraw**, of shape (32, 64).",
        lambda: {**earned("hpreact"), **data("bnraw", "bngain", "bnbias")},
        "∂(bngain · bnraw)/∂bnraw = bngain. No sum this time: bnraw is not broadcast.",
        "dbnraw = bngain * dhpreact; bngain (64,) broadcasts over the rows.",
    )
    yield Narrate(
        "## BatchNorm, backwards in one formula\n\n"
        "bnraw = (hprebn − mean) / √(var + ε), each column over the batch. hprebn reaches bnraw three ways: "
        "directly, through the mean and through the variance. Chaining the small nodes by hand (the "
        "lecture does it) and simplifying gives, with x̂ = bnraw and 1/σ = bnvar_inv:\n\n"
        "`dhprebn = (1/σ) · (dbnraw − mean(dbnraw) − x̂ · mean(dbnraw · x̂))`\n\n"
        "with the means over the batch (axis 0). The two subtracted terms are the paths through the mean "
        "and the variance."
    )
    yield expression_quiz(
        "hprebn",
        "## 8. Through the normalisation\n\nType **dhprebn** with the formula of the last step:\n\n"
        "`dhprebn = (1/σ) · (dbnraw − mean(dbnraw) − x̂ · mean(dbnraw · x̂))`\n\n"
        "where `bnvar_inv` (1, 64) is 1/σ, `bnraw` is x̂ and the means are over axis 0.",
        lambda: {**earned("bnraw"), **data("bnraw", "bnvar_inv", "hprebn", "n")},
        "Write 1/σ as bnvar_inv, x̂ as bnraw, · as *, and each mean as mean(..., axis=0).",
        lambda: (
            "Each column of dhprebn sums to 0 (largest column sum: "
            f"{fmt(float(np.abs(grads['hprebn'].sum(0)).max()))}): shifting a whole column of hprebn changes "
            "nothing after normalisation."
        ),
    )
    yield expression_quiz(
        "embcat",
        "## 9. Through hprebn = embcat @ W1\n\nThe Linear layer rule again. Type **dembcat**, of shape (32, 30).",
        lambda: {**earned("hprebn"), **data("embcat", "W1")},
        "As dh = dlogits @ W2.T: the upstream grad times the transposed weights.",
        lambda: f"dembcat = dhprebn @ W1ᵀ (and dW1 = embcatᵀ @ dhprebn: dW1[0, 0] = {fmt(float(grads['W1'][0, 0]))}).",
    )
    choices = [
        "dembcat viewed back as (32, 3, 10): the same numbers, in emb's shape",
        "dembcat summed over its 30 columns, then copied 3 × 10 times",
        "dembcat @ C.T",
        "dembcat divided by 3, once per character of context",
    ]
    yield ChoiceQuiz(
        "## 10. Through the view\n\nembcat = emb.view(32, 30) laid the 3 embeddings of each context side by "
        "side: no arithmetic. What is **demb**, of shape (32, 3, 10)?",
        choices=choices,
        answer=lambda: 0 if np.array_equal(grads["emb"], grads["embcat"].reshape(emb.shape)) else 1,
        hint="Each number of emb went to exactly one place in embcat, unchanged.",
        explanation=lambda: (
            "A view moves numbers without changing them, so its grad is the upstream grad moved back. "
            "Largest difference between demb and dembcat reshaped: "
            f"{fmt(float(np.abs(grads['emb'] - grads['embcat'].reshape(emb.shape)).max()))}."
        ),
    )

    # A character looked up a few times in this batch, whose contributions do not cancel.
    counts = np.bincount(Xb.reshape(-1), minlength=VOCAB)
    candidates = [c for c in range(1, VOCAB) if counts[c] == 2] or [int(np.argmin(np.where(counts >= 2, counts, 99)))]
    where = {c: np.argwhere(Xb == c) for c in candidates}

    def cancel(c: int) -> float:
        parts = [grads["emb"][i, t, 0] for i, t in where[c]]
        return abs(sum(parts)) / (sum(abs(p) for p in parts) + 1e-300)

    ch = max(candidates, key=cancel)
    spots = where[ch]
    parts = [float(grads["emb"][i, t, 0]) for i, t in spots]
    yield NumberQuiz(
        lambda: (
            "## 11. Into the table C\n\nemb = C[Xb] copies rows of C. "
            f"The letter '{itos[ch]}' is looked up {len(spots)} times in this batch: "
            + ", ".join(f"example {i}, position {t} (demb[{i}, {t}, 0] = {fmt(p)})" for (i, t), p in zip(spots, parts))
            + f".\n\nWhat is **dC[{ch}, 0]**, the grad of C[{ch}, 0], the first number of the row of '{itos[ch]}'?"
        ),
        answer=lambda: float(grads["C"][ch, 0]),
        hint="A row used twice gets both grads: they add up.",
        explanation=lambda: (
            f"dC[{ch}, 0] = {' + '.join(fmt(p) if p >= 0 else f'({fmt(p)})' for p in parts)} = "
            f"{fmt(float(grads['C'][ch, 0]))}: the engine "
            "adds each row of demb into the row of C it came from (a scatter-add)."
        ),
        tolerance=0.01,
    )
    yield expression_quiz(
        "C",
        "## 12. The whole of dC\n\nA lookup is a product: C[k] is onehot(k) @ C. Stack the 96 lookups as rows: "
        "`Xenc` (96, 27) has a 1 at each looked-up character, so emb's rows are Xenc @ C, and `demb_rows` "
        "(96, 10) is demb, one row per lookup. Type **dC**, of shape (27, 10).",
        lambda: {"Xenc": Xenc, "demb_rows": demb_rows, "C": C.data},
        "emb_rows = Xenc @ C is a Linear layer without bias: the grad of its weights is inputᵀ @ upstream grad.",
        lambda: (
            f"dC = Xencᵀ @ demb_rows: row k adds up every lookup of character k ('{itos[ch]}' got {len(spots)}); "
            f"{int((counts == 0).sum())} characters were never looked up, and their rows of dC are 0."
        ),
    )
    yield BackwardSteps(
        "## The engine's turn\n\nNow `backward()` does what you did: press `n` to visit each tensor from loss "
        "down to C. The panel shows the rule for each operation: compare it with what you typed. "
        "`e` runs to the end.",
        graph=loss,
    )

    def summary() -> str:
        names = {  # every name any of the quizzes offered
            "probs": probs, "onehot": onehot, "n": float(n), "Xenc": Xenc, "demb_rows": demb_rows,
            "logits": logits.data, "C": C.data,
            **data("h", "W2", "b2", "hpreact", "bnraw", "bngain", "bnbias", "bnvar_inv", "hprebn", "embcat", "W1"),
            **earned("logits", "h", "hpreact", "bnraw", "hprebn"),
        }  # fmt: skip
        gaps = {target: float(np.abs(evaluate(typed[target], names) - grads[target]).max()) for target in SOLUTIONS}
        rows = [f"d{target} {gap:.1g}" for target, gap in gaps.items()]
        off = [f"d{target}" for target, gap in gaps.items() if gap >= ROUNDING]
        verdict = (
            f"{' and '.join(off)}: more than rounding. Close enough for the quiz, but not the engine's formula; "
            "the training next shows what that does."
            if off
            else "Rounding only."
        )
        return (
            "## Every grad, by hand\n\n"
            "Largest difference between the formulas you typed and the engine's grads:\n\n"
            + ", ".join(rows)
            + f".\n\n{verdict} You have backpropagated a whole MLP with BatchNorm by hand; "
            "the engine's `backward()` is these same formulas, applied node by node."
        )

    yield Narrate(summary)

    start = {name: t.data.copy() for name, t in params.items()}

    class TwoWays:
        """The same network, from the same start on the same minibatches, trained twice: with the grads of
        the formulas the learner typed (`typed`, read by lessons.expressions as when they typed them; the
        lesson's where a quiz showed its answer) and with the engine's backward(). Plain SGD at TRAIN_LR;
        "loss" is the learner's, "engine loss" the engine's."""

        def __init__(self) -> None:
            self.mine = {name: value.copy() for name, value in start.items()}
            self.engine = {name: Tensor(value.copy(), label=name) for name, value in start.items()}
            self.rng = np.random.default_rng(SEED + 1)
            self.history: list[dict[str, float]] = []

        def parameters(self) -> list:
            return list(self.engine.values())

        def my_grads(self, Xb: np.ndarray, Yb: np.ndarray) -> tuple[float, dict[str, np.ndarray]]:
            p, m = self.mine, len(Xb)
            embcat_ = p["C"][Xb].reshape(m, -1)
            hprebn_ = embcat_ @ p["W1"]
            bndiff_ = hprebn_ - hprebn_.mean(0, keepdims=True)
            bnvar_inv_ = ((bndiff_**2).mean(0, keepdims=True) + 1e-5) ** -0.5
            bnraw_ = bndiff_ * bnvar_inv_
            hpreact_ = p["bngain"] * bnraw_ + p["bnbias"]
            h_ = np.tanh(hpreact_)
            logits_ = h_ @ p["W2"] + p["b2"]
            z = np.exp(logits_ - logits_.max(1, keepdims=True))
            probs_ = z / z.sum(1, keepdims=True)
            names = {  # this minibatch's arrays, under every name the quizzes offered
                "probs": probs_, "onehot": np.eye(VOCAB)[Yb], "n": float(m), "logits": logits_, "h": h_,
                "W2": p["W2"], "b2": p["b2"], "hpreact": hpreact_, "bnraw": bnraw_, "bngain": p["bngain"],
                "bnbias": p["bnbias"], "bnvar_inv": bnvar_inv_, "hprebn": hprebn_, "embcat": embcat_,
                "W1": p["W1"], "C": p["C"], "Xenc": np.eye(VOCAB)[Xb.reshape(-1)],
            }  # fmt: skip
            d = {}
            for target in ("logits", "h", "W2", "b2", "hpreact", "bngain", "bnraw", "hprebn", "embcat"):
                d[target] = evaluate(typed[target], names)  # the learner's formula
                names[f"d{target}"] = d[target]
            d["bnbias"] = evaluate("sum(dhpreact, axis=0)", names)  # a bias: its grad sums over the batch
            d["W1"] = evaluate("embcat.T @ dhprebn", names)  # the Linear layer rule once more
            names["demb_rows"] = d["embcat"].reshape(-1, DIMS)
            d["C"] = evaluate(typed["C"], names)
            loss_ = float(-np.log(probs_[np.arange(m), Yb]).mean())
            return loss_, d

        def engine_loss(self, Xb: np.ndarray, Yb: np.ndarray):
            p = self.engine
            embcat_ = embedding(p["C"], Xb).view(len(Xb), -1)
            hprebn_ = embcat_ @ p["W1"]
            bndiff_ = hprebn_ - hprebn_.mean(0, keepdims=True)
            bnraw_ = bndiff_ * ((bndiff_**2).mean(0, keepdims=True) + 1e-5) ** -0.5
            h_ = (p["bngain"] * bnraw_ + p["bnbias"]).tanh()
            return cross_entropy(h_ @ p["W2"] + p["b2"], Yb)

        def step(self, k: int) -> dict[str, float]:
            ix = self.rng.integers(0, len(X), BATCH)
            mine, d = self.my_grads(X[ix], Y[ix])
            for name in self.mine:
                self.mine[name] = self.mine[name] - TRAIN_LR * d[name]
            loss_ = self.engine_loss(X[ix], Y[ix])
            for t in self.engine.values():
                t.grad = np.zeros_like(t.data)
            loss_.backward()
            for t in self.engine.values():
                t.data -= TRAIN_LR * t.grad
            self.history.append({"loss": mine, "engine loss": loss_.item()})
            return self.history[-1]

        def gap(self) -> float:
            """The largest difference between the two runs' parameters now."""
            return max(float(np.abs(self.mine[name] - t.data).max()) for name, t in self.engine.items())

    races: list[TwoWays] = []

    def setup_two_ways(settings: dict) -> TwoWays:
        races.append(TwoWays())
        return races[-1]

    yield Train(
        f"## Train with your grads\n\nYour formulas are a whole backward pass. Press `t`: {TRAIN_STEPS} steps of "
        "SGD with grads from **the formulas you typed** (the lesson's where a quiz showed you its answer), and "
        "beside it the same network, start and batches with the engine's `backward()`. Two curves or one?",
        setup=setup_two_ways,
        steps=TRAIN_STEPS,
    )

    def verdict() -> str:
        if not races or not races[-1].history:
            return "## Yours and the engine's\n\nTrain first (`p` goes back)."
        race = races[-1]
        last, gap = race.history[-1], race.gap()
        own = sum(" ".join(typed[t].split()) != SOLUTIONS[t] for t in SOLUTIONS)
        written = f" ({own} of them written your own way)" if own else ""
        if gap < ROUNDING:
            ending = (
                f"the parameters differ by at most {gap:.1g}, float rounding. Your formulas{written} train the "
                "network exactly as `backward()` does: that is all backprop is."
            )
        else:
            ending = (
                f"the parameters differ by up to {gap:.1g}, more than float rounding: one of your formulas comes "
                "close to the engine's grad (close enough for its quiz) without being equal. The step before "
                "shows which."
            )
        return (
            "## Yours and the engine's\n\n"
            f"After {len(race.history)} steps: your loss {fmt(last['loss'])}, the engine's "
            f"{fmt(last['engine loss'])}; {ending}"
        )

    yield Narrate(verdict)
