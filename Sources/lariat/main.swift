import LariatLanguage
print("lariat \(LariatLanguageVersion.string)")
