"""Exercise 05: Neuron, Layer, MLP (the lecture's tanh MLP) and parameters().

Using the tutor's `Value` (the one you built behaves the same), write:
    Neuron(nin)           nin weights and a bias, each random.uniform(-1, 1);
                          n(x) = tanh(w·x + b)
    Layer(nin, nout)      nout neurons; layer(x) is the list of their outputs,
                          or the single Value when nout == 1
    MLP(nin, nouts)       layers of sizes nin -> nouts[0] -> nouts[1] -> ...;
                          every layer applies tanh, as in the lecture
    parameters()          on all three: a flat list of Values, in this order:
                          layer by layer, neuron by neuron, the weights then the bias

Usage:
    n = MLP(3, [4, 4, 1])
    n([2.0, 3.0, -1.0])           # a Value between -1 and 1
    len(n.parameters())           # 41

Check it with `python -m tutor exercises check . 05`.
"""

import random

from engine.value import Value


class Neuron:
    def __init__(self, nin):
        # TODO: self.w = nin random Values in (-1, 1), self.b = one more
        self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(random.uniform(-1, 1))
        # ELSE
        pass
        # END

    def __call__(self, x):
        # TODO: tanh(w·x + b)
        act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return act.tanh()
        # ELSE
        raise NotImplementedError("Neuron.__call__")
        # END

    def parameters(self):
        # TODO: the weights, then the bias
        return self.w + [self.b]
        # ELSE
        return []
        # END


class Layer:
    def __init__(self, nin, nout):
        # TODO: nout neurons of nin inputs each
        self.neurons = [Neuron(nin) for _ in range(nout)]
        # ELSE
        self.neurons = []
        # END

    def __call__(self, x):
        # TODO: every neuron's output; a single Value when there is one neuron
        outs = [n(x) for n in self.neurons]
        return outs[0] if len(outs) == 1 else outs
        # ELSE
        raise NotImplementedError("Layer.__call__")
        # END

    def parameters(self):
        # TODO: every neuron's parameters, in order, in one flat list
        return [p for n in self.neurons for p in n.parameters()]
        # ELSE
        return []
        # END


class MLP:
    def __init__(self, nin, nouts):
        # TODO: layers of sizes nin -> nouts[0] -> nouts[1] -> ...
        sizes = [nin] + list(nouts)
        self.layers = [Layer(sizes[i], sizes[i + 1]) for i in range(len(nouts))]
        # ELSE
        self.layers = []
        # END

    def __call__(self, x):
        # TODO: feed x through every layer in turn
        for layer in self.layers:
            x = layer(x)
        return x
        # ELSE
        raise NotImplementedError("MLP.__call__")
        # END

    def parameters(self):
        # TODO: every layer's parameters, in order
        return [p for layer in self.layers for p in layer.parameters()]
        # ELSE
        return []
        # END
