# Builds the embedded font subsets: Noto Serif CJK SC (regular, bold) cut to the 8,105 characters
# of 通用规范汉字表, GB 2312's hanzi, ASCII, Latin-1 and the punctuation and symbols documents use.
import sys
from fontTools.ttLib import TTCollection
from fontTools import subset

chars = set()
for line in open(sys.argv[1], encoding='utf-8'):
    if '\t' in line:
        chars.add(line.split('\t')[1].strip())
# GB 2312 hanzi, from Python's own codec.
for row in range(0xB0, 0xF8):
    for col in range(0xA1, 0xFF):
        try:
            chars.add(bytes([row, col]).decode('gb2312'))
        except UnicodeDecodeError:
            pass
ranges = [(0x20, 0x7E), (0xA0, 0xFF), (0x2000, 0x206F), (0x2100, 0x218F), (0x2190, 0x21FF),
          (0x2460, 0x24FF), (0x2500, 0x257F), (0x25A0, 0x25FF), (0x2600, 0x26FF), (0x3000, 0x303F),
          (0x3200, 0x32FF), (0x3300, 0x33FF), (0xFE30, 0xFE4F), (0xFF00, 0xFFEF), (0x2E80, 0x2EFF),
          (0x2F00, 0x2FDF), (0x31C0, 0x31EF), (0x0391, 0x03C9), (0x0410, 0x044F), (0x00D7, 0x00D7)]
for a, b in ranges:
    chars.update(chr(c) for c in range(a, b + 1))
text = ''.join(sorted(chars))
print(len(chars), 'characters asked', file=sys.stderr)
for src, out in [(sys.argv[2], 'NotoSerifSC-Regular-subset.otf'), (sys.argv[3], 'NotoSerifSC-Bold-subset.otf')]:
    coll = TTCollection(src)
    face = None
    for f in coll.fonts:
        names = [n.toUnicode() for n in f['name'].names if n.nameID == 1]
        if any('Noto Serif CJK SC' in n for n in names):
            face = f
            break
    assert face is not None, src
    cmap = face.getBestCmap()
    missing = [c for c in chars if ord(c) not in cmap and ord(c) > 0x2E7F]
    print(out, 'missing hanzi:', len([c for c in missing if 0x3400 <= ord(c)]), ''.join(sorted(missing))[:80], file=sys.stderr)
    opts = subset.Options()
    opts.layout_features = ['*']
    opts.name_IDs = ['*']
    opts.name_languages = ['*']
    opts.notdef_outline = True
    opts.glyph_names = False
    opts.hinting = False
    opts.desubroutinize = False
    sub = subset.Subsetter(opts)
    sub.populate(text=text)
    sub.subset(face)
    face.save(out)
