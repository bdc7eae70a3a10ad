import CHDF5
#if canImport(Glibc)
import Glibc
#endif

/// libhdf5, opened on first use rather than linked.
///
/// Linking libhdf5 pulls in some thirty libraries (curl, gnutls, Kerberos,
/// LDAP…) whose symbol resolution costs every `lariat` process about 5 ms
/// at start-up, although few scripts read HDF5. So the module map imports
/// only libhdf5's header (types and constants), and the handful of
/// functions the reader calls are looked up here with dlopen/dlsym.
struct HDF5Library {
    typealias Open = @convention(c) () -> herr_t
    typealias SetAuto = @convention(c) (hid_t, H5E_auto2_t?, UnsafeMutableRawPointer?) -> herr_t
    typealias IsHDF5 = @convention(c) (UnsafePointer<CChar>?) -> htri_t
    typealias FileOpen = @convention(c) (UnsafePointer<CChar>?, UInt32, hid_t) -> hid_t
    typealias Close = @convention(c) (hid_t) -> herr_t
    typealias Exists = @convention(c) (hid_t, UnsafePointer<CChar>?, hid_t) -> htri_t
    typealias DatasetOpen = @convention(c) (hid_t, UnsafePointer<CChar>?, hid_t) -> hid_t
    typealias Get = @convention(c) (hid_t) -> hid_t
    typealias TypeClass = @convention(c) (hid_t) -> H5T_class_t
    typealias Rank = @convention(c) (hid_t) -> Int32
    typealias Dims = @convention(c) (hid_t, UnsafeMutablePointer<hsize_t>?, UnsafeMutablePointer<hsize_t>?) -> Int32
    typealias Visit = @convention(c) (hid_t, H5_index_t, H5_iter_order_t, H5O_iterate_t?, UnsafeMutableRawPointer?, UInt32) -> herr_t
    typealias Hyperslab = @convention(c) (hid_t, H5S_seloper_t, UnsafePointer<hsize_t>?, UnsafePointer<hsize_t>?,
                                          UnsafePointer<hsize_t>?, UnsafePointer<hsize_t>?) -> herr_t
    typealias Create = @convention(c) (H5S_class_t) -> hid_t
    typealias CreateSimple = @convention(c) (Int32, UnsafePointer<hsize_t>?, UnsafePointer<hsize_t>?) -> hid_t
    typealias Read = @convention(c) (hid_t, hid_t, hid_t, hid_t, hid_t, UnsafeMutableRawPointer?) -> herr_t
    // Attributes and compound types, for NWB (`NWBFile`).
    typealias AttributeExists = @convention(c) (hid_t, UnsafePointer<CChar>?, UnsafePointer<CChar>?, hid_t) -> htri_t
    typealias AttributeOpen = @convention(c) (hid_t, UnsafePointer<CChar>?, UnsafePointer<CChar>?, hid_t, hid_t) -> hid_t
    typealias AttributeRead = @convention(c) (hid_t, hid_t, UnsafeMutableRawPointer?) -> herr_t
    typealias TypeSize = @convention(c) (hid_t) -> Int
    typealias StorageSize = @convention(c) (hid_t) -> hsize_t
    typealias Layout = @convention(c) (hid_t) -> H5D_layout_t
    typealias TypeCreate = @convention(c) (H5T_class_t, Int) -> hid_t
    typealias TypeInsert = @convention(c) (hid_t, UnsafePointer<CChar>?, Int, hid_t) -> herr_t
    typealias FreeMemory = @convention(c) (UnsafeMutableRawPointer?) -> herr_t
    typealias IsHDF5Object = @convention(c) (hid_t) -> htri_t
    typealias PointCount = @convention(c) (hid_t) -> hssize_t

    let open: Open
    let setAuto: SetAuto
    let clearErrors: Close
    let isHDF5: IsHDF5
    let fileOpen: FileOpen
    let fileClose: Close
    let exists: Exists
    let datasetOpen: DatasetOpen
    let datasetClose: Close
    let datasetType: Get
    let datasetSpace: Get
    let typeClass: TypeClass
    let typeClose: Close
    let spaceRank: Rank
    let spaceDims: Dims
    let spaceClose: Close
    let visit: Visit
    let selectHyperslab: Hyperslab
    let spaceCreate: Create
    let spaceCreateSimple: CreateSimple
    let read: Read
    let attributeExists: AttributeExists
    let attributeOpen: AttributeOpen
    let attributeType: Get
    let attributeRead: AttributeRead
    let attributeSpace: Get
    let spacePointCount: PointCount
    let attributeClose: Close
    let typeIsVariableString: IsHDF5Object
    let typeSize: TypeSize
    let typeCreate: TypeCreate
    let typeInsert: TypeInsert
    let freeMemory: FreeMemory
    /// For checking a dataset's stored bytes against its shape before
    /// reading (HDF5 1.10 reads past a damaged compact layout's buffer).
    let storageSize: StorageSize
    let createPlist: Get
    let layout: Layout
    let plistClose: Close
    /// Address of `H5T_NATIVE_DOUBLE_g`, valid once `open()` has run.
    private let nativeDoubleAddress: UnsafeMutablePointer<hid_t>

    var nativeDouble: hid_t { nativeDoubleAddress.pointee }

    /// Sonames tried in order: Debian's serial build, then the plain names
    /// other distributions and source builds use.
    static let candidates = ["libhdf5_serial.so.103", "libhdf5_serial.so", "libhdf5.so.103", "libhdf5.so.310",
                             "libhdf5.so.320", "libhdf5.so"]

    /// The library, or why it cannot be used (loaded once per process).
    static let shared: Result<HDF5Library, LoadError> = load()

    struct LoadError: Error, CustomStringConvertible {
        var description: String
    }

    private static func load() -> Result<HDF5Library, LoadError> {
        guard let handle = candidates.lazy.compactMap({ dlopen($0, RTLD_LAZY | RTLD_LOCAL | RTLD_DEEPBIND) }).first else {
            return .failure(LoadError(description:
                "libhdf5 is not installed (tried \(candidates.joined(separator: ", "))); on Debian: apt install libhdf5-dev"))
        }
        var missing: [String] = []
        func symbol<F>(_ name: String, _: F.Type) -> F? {
            guard let p = dlsym(handle, name) else { missing.append(name); return nil }
            return unsafeBitCast(p, to: F.self)
        }
        let open = symbol("H5open", Open.self)
        let setAuto = symbol("H5Eset_auto2", SetAuto.self)
        let clearErrors = symbol("H5Eclear2", Close.self)
        let isHDF5 = symbol("H5Fis_hdf5", IsHDF5.self)
        let fileOpen = symbol("H5Fopen", FileOpen.self)
        let fileClose = symbol("H5Fclose", Close.self)
        let exists = symbol("H5Oexists_by_name", Exists.self)
        let datasetOpen = symbol("H5Dopen2", DatasetOpen.self)
        let datasetClose = symbol("H5Dclose", Close.self)
        let datasetType = symbol("H5Dget_type", Get.self)
        let datasetSpace = symbol("H5Dget_space", Get.self)
        let typeClass = symbol("H5Tget_class", TypeClass.self)
        let typeClose = symbol("H5Tclose", Close.self)
        let spaceRank = symbol("H5Sget_simple_extent_ndims", Rank.self)
        let spaceDims = symbol("H5Sget_simple_extent_dims", Dims.self)
        let spaceClose = symbol("H5Sclose", Close.self)
        let visit = symbol("H5Ovisit2", Visit.self)
        let selectHyperslab = symbol("H5Sselect_hyperslab", Hyperslab.self)
        let spaceCreate = symbol("H5Screate", Create.self)
        let spaceCreateSimple = symbol("H5Screate_simple", CreateSimple.self)
        let read = symbol("H5Dread", Read.self)
        let attributeExists = symbol("H5Aexists_by_name", AttributeExists.self)
        let attributeOpen = symbol("H5Aopen_by_name", AttributeOpen.self)
        let attributeType = symbol("H5Aget_type", Get.self)
        let attributeRead = symbol("H5Aread", AttributeRead.self)
        let attributeSpace = symbol("H5Aget_space", Get.self)
        let spacePointCount = symbol("H5Sget_simple_extent_npoints", PointCount.self)
        let attributeClose = symbol("H5Aclose", Close.self)
        let typeIsVariableString = symbol("H5Tis_variable_str", IsHDF5Object.self)
        let typeSize = symbol("H5Tget_size", TypeSize.self)
        let typeCreate = symbol("H5Tcreate", TypeCreate.self)
        let typeInsert = symbol("H5Tinsert", TypeInsert.self)
        let freeMemory = symbol("H5free_memory", FreeMemory.self)
        let storageSize = symbol("H5Dget_storage_size", StorageSize.self)
        let createPlist = symbol("H5Dget_create_plist", Get.self)
        let layout = symbol("H5Pget_layout", Layout.self)
        let plistClose = symbol("H5Pclose", Close.self)
        let nativeDouble = dlsym(handle, "H5T_NATIVE_DOUBLE_g")
        if nativeDouble == nil { missing.append("H5T_NATIVE_DOUBLE_g") }
        guard missing.isEmpty, let open, let setAuto, let clearErrors, let isHDF5, let fileOpen, let fileClose,
              let exists, let datasetOpen, let datasetClose, let datasetType, let datasetSpace, let typeClass, let typeClose,
              let spaceRank, let spaceDims, let spaceClose, let visit, let selectHyperslab, let spaceCreate,
              let spaceCreateSimple, let read, let nativeDouble, let attributeExists, let attributeOpen,
              let attributeType, let attributeRead, let attributeSpace, let spacePointCount, let attributeClose,
              let typeIsVariableString, let typeSize,
              let typeCreate, let typeInsert, let freeMemory, let storageSize, let createPlist, let layout,
              let plistClose else {
            return .failure(LoadError(description:
                "the installed libhdf5 lacks \(missing.joined(separator: ", ")) (Lariat needs HDF5 1.10 or later)"))
        }
        return .success(HDF5Library(
            open: open, setAuto: setAuto, clearErrors: clearErrors, isHDF5: isHDF5, fileOpen: fileOpen,
            fileClose: fileClose, exists: exists,
            datasetOpen: datasetOpen, datasetClose: datasetClose, datasetType: datasetType,
            datasetSpace: datasetSpace, typeClass: typeClass, typeClose: typeClose, spaceRank: spaceRank,
            spaceDims: spaceDims, spaceClose: spaceClose, visit: visit, selectHyperslab: selectHyperslab,
            spaceCreate: spaceCreate, spaceCreateSimple: spaceCreateSimple, read: read,
            attributeExists: attributeExists, attributeOpen: attributeOpen, attributeType: attributeType,
            attributeRead: attributeRead, attributeSpace: attributeSpace, spacePointCount: spacePointCount,
            attributeClose: attributeClose, typeIsVariableString: typeIsVariableString,
            typeSize: typeSize, typeCreate: typeCreate, typeInsert: typeInsert, freeMemory: freeMemory,
            storageSize: storageSize, createPlist: createPlist, layout: layout, plistClose: plistClose,
            nativeDoubleAddress: nativeDouble.assumingMemoryBound(to: hid_t.self)))
    }
}
