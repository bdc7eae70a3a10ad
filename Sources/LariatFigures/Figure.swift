public enum LariatFigures {}
