public enum LariatLanguageVersion { public static let string = "0.1.0" }
