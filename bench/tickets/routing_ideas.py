#!/usr/bin/python3
"""Tries routing ideas on the routing benchmark's own folds (docs/tickets.md, "What was tried").

A prototype, not part of the build or of CI: it needs scikit-learn (Debian `python3-sklearn`) and
jieba (`python3-jieba`). It reads the split that `routing_bench --dump-split` writes and reports
each idea's 5-fold cross-validated macro-F1 INSIDE the 80% part only (the folds the router's own
cross-validation uses), so that ideas are chosen without looking at the held-out 20%. `--test`
also scores the baseline and the router-like model once on the 20%, to check that this
prototype reproduces the C++ figures (it does: baseline 0.8886 CV / 0.8841 test, the same to four
digits; router-like 0.9003 CV against the C++ router's 0.9009, and 0.9022 on the 20% against
the C++ router's 0.8984, which shows how noisy 999 messages are).

  build/bench/tickets/routing_bench --history H.tsv --dump-split /tmp/split.tsv
  bench/tickets/routing_ideas.py --history H.tsv --split /tmp/split.tsv [--test] [IDEA...]
"""
import argparse
import re
import unicodedata

import jieba
import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.naive_bayes import ComplementNB
from sklearn.preprocessing import normalize
from sklearn.svm import LinearSVC

ap = argparse.ArgumentParser()
ap.add_argument("--history", required=True)
ap.add_argument("--split", required=True)
ap.add_argument("--test", action="store_true")
ap.add_argument("ideas", nargs="*")
args = ap.parse_args()

rows = [l.rstrip("\n").split("\t") for l in open(args.history, encoding="utf-8")][1:]
texts = [r[1] for r in rows]
labels = sorted({r[2] for r in rows})
y = np.array([labels.index(r[2]) for r in rows])
split = np.array([[int(v) for v in l.split()] for l in list(open(args.split))[1:]])
train, test = np.where(split[:, 1] >= 0)[0], np.where(split[:, 1] < 0)[0]  # -1: held out
inner = split[train, 1]


def prepare(s):  # the router's preparation: masked place codes reduced, NFKC, lower-case
    s = re.sub(r"(?<![A-Za-z])[A-Z][0-9]{0,3}(?=[市县区])", "", s)
    return unicodedata.normalize("NFKC", s).lower()


prepared = [re.sub(r"\s+", "", prepare(t)) for t in texts]
jieba.setLogLevel(60)
words = [" ".join(w for w in jieba.cut(p) if w.strip()) for p in prepared]
chars = CountVectorizer(analyzer="char", ngram_range=(1, 3), lowercase=False)
chars = chars.fit_transform(prepared).tocsc()
wordgrams = CountVectorizer(tokenizer=str.split, token_pattern=None, ngram_range=(1, 2),
                            lowercase=False).fit_transform(words).tocsc()
both = sp.hstack([chars, wordgrams]).tocsc()


def tfidf(counts, a, b, min_df=3, sublinear=True):
    """Sublinear tf x smooth idf, unit length; vocabulary and idf from rows `a` only."""
    ca = counts[a]
    df = np.asarray((ca > 0).sum(0)).ravel()
    keep = np.where(df >= min_df)[0]
    idf = np.log((1 + len(a)) / (1 + df[keep])) + 1

    def weigh(m):
        m = m[:, keep].astype(np.float64).tocsr()
        if sublinear:
            m.data = 1 + np.log(m.data)
        return normalize(m @ sp.diags(idf))
    return weigh(ca), weigh(counts[b])


def z(s):
    return (s - s.mean(1, keepdims=True)) / (s.std(1, keepdims=True) + 1e-9)


def svm(counts=both, c=4, **kw):
    def run(a, b):
        xa, xb = tfidf(counts, a, b, **kw)
        return z(LinearSVC(C=c, class_weight="balanced").fit(xa, y[a]).decision_function(xb))
    return run


def logreg(c=30):
    def run(a, b):
        xa, xb = tfidf(both, a, b)
        m = LogisticRegression(C=c, max_iter=3000, class_weight="balanced").fit(xa, y[a])
        return z(m.predict_log_proba(xb))
    return run


def cnb(alpha=0.1):
    def run(a, b):
        xa, xb = tfidf(both, a, b)
        return z(ComplementNB(alpha=alpha).fit(xa, y[a]).predict_joint_log_proba(xb))
    return run


def average(*runs):
    return lambda a, b: sum(r(a, b) for r in runs)


def baseline(a, b):  # TfidfVectorizer(char, 1-3) + LinearSVC(C=1), raw text
    v = TfidfVectorizer(analyzer="char", ngram_range=(1, 3))
    xa = v.fit_transform([texts[i] for i in a])
    return LinearSVC().fit(xa, y[a]).decision_function(v.transform([texts[i] for i in b]))


IDEAS = {
    "baseline": baseline,
    "router": svm(),
    "router C=1": svm(c=1),
    "router C=2": svm(c=2),
    "router C=8": svm(c=8),
    "characters only": svm(chars),
    "words only": svm(wordgrams),
    "binary tf": svm(sublinear=False),
    "logistic regression C=30": logreg(),
    "complement NB a=0.1": cnb(),
    "router + logistic regression": average(svm(), logreg()),
    "router + complement NB": average(svm(), cnb(0.3)),
    "router + words-only + chars-only": average(svm(), svm(chars), svm(wordgrams)),
}


def cross_validated(run):
    predicted = np.zeros(len(train), int)
    for k in range(5):
        predicted[inner == k] = run(train[inner != k], train[inner == k]).argmax(1)
    return f1_score(y[train], predicted, average="macro")


for name in args.ideas or IDEAS:
    line = "%-34s CV macro-F1 %.4f" % (name, cross_validated(IDEAS[name]))
    if args.test and name in ("baseline", "router"):
        line += "  held-out %.4f" % f1_score(y[test], IDEAS[name](train, test).argmax(1),
                                             average="macro")
    print(line, flush=True)
