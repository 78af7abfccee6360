# Copyright (c) mmseg_ext contributors. All rights reserved.
"""tools/model_converters/check_bf_protocol.py against a stand-in for the
official ``utils/f_boundary.py`` (the real one is CC BY-NC-SA and never
part of the repository): the tool loads it from --official-root, aggregates
as GSCNN's train.py does, passes when the two agree and fails when they do
not."""
import os
import sys

import cv2
import numpy as np
import pytest

from ..tiny_runs import load_script

tool = load_script('tools', 'model_converters', 'check_bf_protocol.py')

# Same interface as the official function; scores with the package's own
# per-image function, plus OFFSET to simulate a disagreement.
STAND_IN = '''
import numpy as np
from mmseg_ext.evaluation.metrics.gscnn_boundary import gscnn_image_fscores
OFFSET = {offset}


def eval_mask_boundary(seg_mask, gt_mask, num_classes, num_proc=10,
                       bound_th=0.008):
    fpc, fc = np.zeros(num_classes), np.zeros(num_classes)
    for pred, gt in zip(seg_mask, gt_mask):
        valid = gt != 255
        radius = bound_th if bound_th >= 1 else np.ceil(
            bound_th * np.linalg.norm(gt.shape))
        fpc += gscnn_image_fscores(pred, np.where(valid, gt, 0), valid,
                                   num_classes, [int(radius)])[0] + OFFSET
        fc += 1
    return fpc, fc
'''


def make_inputs(tmp_path, offset: float):
    root = tmp_path / f'official{offset}'
    (root / 'utils').mkdir(parents=True)
    (root / 'utils' / 'f_boundary.py').write_text(
        STAND_IN.format(offset=offset))
    ann = tmp_path / 'ann'
    ann.mkdir(exist_ok=True)
    rng = np.random.default_rng(0)
    for i in range(3):
        label = np.kron(rng.integers(0, 4, (4, 5)), np.ones((10, 10)))
        label[rng.random(label.shape) < 0.05] = 255
        cv2.imwrite(str(ann / f'{i}.png'), label.astype(np.uint8))
    return str(root), str(ann)


@pytest.mark.parametrize('offset,status', [(0.0, 0), (1e-3, 1)])
def test_tool_compares_with_the_official_function(tmp_path, monkeypatch,
                                                  capsys, offset, status):
    root, ann = make_inputs(tmp_path, offset)
    monkeypatch.setattr(sys, 'argv', [
        'check_bf_protocol.py', '--official-root', root, '--ann-dir', ann,
        '--num-classes', '4', '--num-proc', '1', '--tolerances', '1', '2'
    ])
    monkeypatch.delitem(sys.modules, 'f_boundary', raising=False)
    if status:
        with pytest.raises(SystemExit) as info:
            tool.main()
        assert info.value.code == 1
    else:
        tool.main()
    out = capsys.readouterr().out
    assert '3 maps of 40x50' in out
    assert '| 1px |' in out and '| 2px |' in out
    assert ('FAIL' in out) == bool(status)


def test_bad_inputs(tmp_path, monkeypatch):
    root, ann = make_inputs(tmp_path, 0.0)
    cv2.imwrite(os.path.join(ann, '9.png'), np.full((40, 50), 7, np.uint8))
    monkeypatch.setattr(sys, 'argv', [
        'check_bf_protocol.py', '--official-root', root, '--ann-dir', ann,
        '--num-classes', '4'
    ])
    with pytest.raises(SystemExit, match='label 7 is neither in'):
        tool.main()
    monkeypatch.setattr(sys, 'argv', [
        'check_bf_protocol.py', '--official-root',
        str(tmp_path), '--ann-dir', ann
    ])
    with pytest.raises(SystemExit, match='no .*f_boundary.py'):
        tool.main()
