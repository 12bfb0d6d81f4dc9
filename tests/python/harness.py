"""Runs every test_* function of a suite module, prints each outcome and the closing line
'N passed, N failed', and exits non-zero on any failure."""
import sys
import traceback


def run(namespace):
    tests = [v for k, v in namespace.items() if k.startswith("test_") and callable(v)]
    passed = failed = 0
    for test in tests:
        try:
            test()
            passed += 1
            print(f"ok {test.__name__}")
        except Exception:
            failed += 1
            print(f"FAILED {test.__name__}")
            traceback.print_exc()
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
