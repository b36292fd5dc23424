#!/usr/bin/python3
"""The frozen-projector levers one by one, on pg_step.py's EfficientNet-lite0 at batch 8, 224x224:
plain (conv, BatchNorm, clamp), BatchNorm folded into the convolution, ReLU6 in place, symmetric
padding inside the convolution, channels-last. Forward alone ("fwd", the D phase) and forward +
input gradient ("grad", the G phase); 5 interleaved repetitions, medians, printed twice (the first
pass includes first-touch costs). Run it with the allocator settings you want to compare.
"""
import sys, time, torch, torch.nn.functional as F, math
sys.path.insert(0, __import__('os').path.dirname(__import__('os').path.abspath(__file__)))
import pg_step
from pg_step import EfficientNetLite0, ConvBNSame
torch.set_num_threads(2)
torch.manual_seed(0)
net = EfficientNetLite0().eval().requires_grad_(False)
for m in net.modules():
    if isinstance(m, ConvBNSame):
        m.bn.running_var.uniform_(0.5, 2); m.bn.running_mean.uniform_(-.1, .1)
        s = m.bn.weight / torch.sqrt(m.bn.running_var + 1e-3)
        m.fw = (m.conv.weight * s.view(-1,1,1,1)).contiguous(); m.fb = m.bn.bias - m.bn.running_mean * s
MODE = {'fold': False, 'inplace': False, 'padconv': False}
def fwd(self, x):
    def pad(n):
        total = max((math.ceil(n / self.stride) - 1) * self.stride + self.k - n, 0)
        return total // 2, total - total // 2
    (top, bottom), (left, right) = pad(x.size(2)), pad(x.size(3))
    p = 0
    if MODE['padconv'] and top == bottom and left == right: p = top
    elif top or bottom or left or right: x = F.pad(x, [left, right, top, bottom])
    if MODE['fold']:
        x = F.conv2d(x, self.fw, self.fb, self.stride, p, 1, self.conv.groups)
    else:
        x = self.bn(F.conv2d(x, self.conv.weight, None, self.stride, p, 1, self.conv.groups))
    if not self.act: return x
    return F.hardtanh_(x, 0, 6) if MODE['inplace'] else torch.clamp(x, 0, 6)
ConvBNSame.forward = fwd
x0 = torch.randn(8, 3, 224, 224)
def run(cl, grad):
    x = x0.clone()
    if cl: x = x.contiguous(memory_format=torch.channels_last)
    x.requires_grad_(grad)
    taps = net(x)
    if grad: sum(t.square().mean() for t in taps).backward()
variants = {
 'plain NCHW': (dict(fold=False, inplace=False, padconv=False), False),
 'fold NCHW': (dict(fold=True, inplace=False, padconv=False), False),
 'fold+inplace NCHW': (dict(fold=True, inplace=True, padconv=False), False),
 'fold+inplace+padconv NCHW': (dict(fold=True, inplace=True, padconv=True), False),
 'fold+inplace+padconv CL': (dict(fold=True, inplace=True, padconv=True), True),
 'plain CL': (dict(fold=False, inplace=False, padconv=False), True),
}
for grad in (False, True, False, True):
  res = {v: [] for v in variants}
  for rep in range(5):
    for name, (mode, cl) in variants.items():
        MODE.update(mode)
        t = time.perf_counter(); run(cl, grad); res[name].append(time.perf_counter() - t)
  for v in variants: print('grad' if grad else 'fwd ', '%-28s %.3f' % (v, sorted(res[v])[2]))
