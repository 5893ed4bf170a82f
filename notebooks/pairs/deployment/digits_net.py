"""The model of pair 07 (``07_deployment_pytorch``): the class an eager-PyTorch model server needs to rebuild it.

The class is written in the notebook's §3.1, in a cell marked ``# @save``; ``tools/export_cells.py`` copies it into
the generated block below and ``tests/test_export_cells.py`` fails when the two differ. The model server loads a
``state_dict`` into it (``--torch-class pairs.deployment.digits_net:DigitsNet``), and ``tests/test_model_servers.py``
builds its random model from it.
"""

import torch
from torch import nn


# @generated from notebooks/text/07_deployment_pytorch.py by tools/export_cells.py: edit the notebook, not this
class DigitsNet(nn.Module):
    """8x8 digit images (batch, 8, 8) in [0, 1] -> 10 logits."""

    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.hidden = nn.Linear(64, 64)
        self.out = nn.Linear(64, 10)

    def forward(self, x):
        return self.out(torch.relu(self.hidden(self.flatten(x))))


# @end generated
