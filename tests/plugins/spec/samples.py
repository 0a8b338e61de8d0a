"""SPEC texts shared by the SPEC plugin's tests."""

from __future__ import annotations

from pathlib import Path

HEADER = """#F demo.spec
#E 1700000000
#D Tue Nov 14 22:13:20 2023
#C demo  User = someone
#O0 2-theta  theta  chi  phi
#O1 slit h  slit v
#o0 tth th chi phi
#o1 sh sv
#J0 Seconds  Monitor
#j0 sec mon
"""

SCAN = """
#S 1  ascan  th 0 1 2 0.1
#D Tue Nov 14 22:13:21 2023
#T 0.1  (Seconds)
#G0 0 0 1 0
#Q 1 1 0
#P0 20.5 10.25 90 -0
#P1 0.2 0.1
#UXML <group name="x"/>
#H0 temperature  pressure
#V0 295.5 1.01
#MD proposal = 1234
#N 4
#L theta  Monitor  I0  I0
0 1000 12 1
0.5 1001 15 2
#C a comment inside the data
1 999 11.25 3
"""


def write(tmp_path: Path, text: str, name: str = "demo.spec") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode())
    return path


MCA = """#S 5  ascan  x 0 1 1 1
#@MCA 16C
#@CHANN 6 1 6 1
#@CALIB 0.5 0.01 0.0001
#@CTIME 1 0.9 1.1
#N 2
#L x  det
0 10
@A1 1 2 3\\
 4 5 6
@A2 10 20 30 40 50 60
1 11
@A1 7 8 9 10 11 12
@A2 70 80 90 100 110 120
"""
