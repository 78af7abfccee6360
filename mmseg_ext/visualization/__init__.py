# Copyright (c) mmseg_ext contributors. All rights reserved.
from .edge_map import (EDGE_SUFFIX, edge_map_to_uint8, edge_probabilities,
                       write_edge_map)
from .side_by_side_visualizer import (MMSEG_VISUALIZERS,
                                      SideBySideSegVisualizer,
                                      edge_visualizer_cfg)

__all__ = [
    'EDGE_SUFFIX', 'MMSEG_VISUALIZERS', 'SideBySideSegVisualizer',
    'edge_map_to_uint8', 'edge_probabilities', 'edge_visualizer_cfg',
    'write_edge_map'
]
