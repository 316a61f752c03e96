#!/usr/bin/env python
from aftersales.__main__ import main

if __name__ == "__main__":
    main()
